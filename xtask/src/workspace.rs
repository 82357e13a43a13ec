//! The workspace as `cargo metadata --format-version 1 --no-deps` describes it, and the pure
//! logic built on it: which crates are publishable and in which order they must be published.

use std::collections::{BTreeMap, BTreeSet};

use crate::json::{self, Value};

/// The kind of a dependency edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepKind {
    /// `[dependencies]`.
    Normal,
    /// `[dev-dependencies]`.
    Dev,
    /// `[build-dependencies]`.
    Build,
}

/// One dependency of a workspace package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// The package name (not the rename).
    pub name: String,
    /// Which section declares it.
    pub kind: DepKind,
    /// Whether it is a path dependency (a sibling in this repository).
    pub is_path: bool,
}

/// One workspace member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// Package name.
    pub name: String,
    /// Package version.
    pub version: String,
    /// Absolute path of its `Cargo.toml`.
    pub manifest_path: String,
    /// `false` when the manifest says `publish = false` (or an empty registry list).
    pub publish: bool,
    /// Its dependencies.
    pub dependencies: Vec<Dependency>,
    /// Names of its integration-test targets (`tests/<name>.rs`).
    pub test_targets: Vec<String>,
}

/// The parsed metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    /// Absolute path of the workspace root.
    pub root: String,
    /// The members.
    pub packages: Vec<Package>,
}

impl Workspace {
    /// Parses the JSON output of `cargo metadata --format-version 1 --no-deps`.
    pub fn from_metadata(text: &str) -> Result<Workspace, String> {
        let doc = json::parse(text).map_err(|e| format!("cargo metadata output is not JSON: {e}"))?;
        let root = doc
            .get("workspace_root")
            .and_then(Value::as_str)
            .ok_or("cargo metadata: missing workspace_root")?
            .to_string();
        let members: BTreeSet<&str> = doc
            .get("workspace_members")
            .and_then(Value::as_array)
            .unwrap_or_default()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let mut packages = Vec::new();
        for pkg in doc
            .get("packages")
            .and_then(Value::as_array)
            .ok_or("cargo metadata: missing packages")?
        {
            let field = |key: &str| -> Result<String, String> {
                pkg.get(key)
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| format!("cargo metadata: a package lacks `{key}`"))
            };
            let id = field("id")?;
            if !members.is_empty() && !members.contains(id.as_str()) {
                continue;
            }
            // `publish` is null (any registry) or a list of allowed registries; `[]` means `publish = false`.
            let publish = match pkg.get("publish") {
                Some(Value::Array(registries)) => !registries.is_empty(),
                _ => true,
            };
            let mut dependencies = Vec::new();
            for dep in pkg.get("dependencies").and_then(Value::as_array).unwrap_or_default() {
                let Some(name) = dep.get("name").and_then(Value::as_str) else {
                    return Err("cargo metadata: a dependency lacks `name`".into());
                };
                let kind = match dep.get("kind").and_then(Value::as_str) {
                    Some("dev") => DepKind::Dev,
                    Some("build") => DepKind::Build,
                    _ => DepKind::Normal,
                };
                let is_path = dep.get("path").and_then(Value::as_str).is_some();
                dependencies.push(Dependency {
                    name: name.to_string(),
                    kind,
                    is_path,
                });
            }
            let mut test_targets = Vec::new();
            for target in pkg.get("targets").and_then(Value::as_array).unwrap_or_default() {
                let is_test = target
                    .get("kind")
                    .and_then(Value::as_array)
                    .is_some_and(|kinds| kinds.iter().any(|k| k.as_str() == Some("test")));
                if let (true, Some(name)) = (is_test, target.get("name").and_then(Value::as_str)) {
                    test_targets.push(name.to_string());
                }
            }
            packages.push(Package {
                name: field("name")?,
                version: field("version")?,
                manifest_path: field("manifest_path")?,
                publish,
                dependencies,
                test_targets,
            });
        }
        Ok(Workspace { root, packages })
    }

    /// The package named `name`.
    pub fn package(&self, name: &str) -> Option<&Package> {
        self.packages.iter().find(|p| p.name == name)
    }

    /// Whether `pkg` lives under `<root>/crates/`.
    pub fn is_under_crates(&self, pkg: &Package) -> bool {
        let prefix = format!("{}/crates/", self.root.trim_end_matches('/'));
        pkg.manifest_path
            .replace('\\', "/")
            .starts_with(&prefix.replace('\\', "/"))
    }

    /// Publishable packages: every `crates/*` member without `publish = false`, sorted by name.
    pub fn publishable(&self) -> Vec<&Package> {
        let mut out: Vec<&Package> = self
            .packages
            .iter()
            .filter(|p| p.publish && self.is_under_crates(p))
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// Names of the workspace packages that `pkg` needs on the registry before it can be
    /// published (path dependencies of every kind that resolve to a workspace member; cargo
    /// keeps versioned dev-dependencies in the published manifest).
    pub fn workspace_deps<'a>(&self, pkg: &'a Package, include_dev: bool) -> BTreeSet<&'a str> {
        pkg.dependencies
            .iter()
            .filter(|d| d.is_path && (include_dev || d.kind != DepKind::Dev) && d.name != pkg.name)
            .filter(|d| self.package(&d.name).is_some())
            .map(|d| d.name.as_str())
            .collect()
    }
}

/// The workspace crates that `root` needs (directly or through each other, dev-dependencies
/// included) and that `published(name, version)` reports as missing from the registry, sorted.
///
/// A crate that is missing is followed further: its own unpublished dependencies are needed too
/// when cargo packages them together. Published crates are not followed (the registry has
/// their dependencies).
pub fn unpublished_deps<F>(ws: &Workspace, root: &Package, mut published: F) -> Vec<String>
where
    F: FnMut(&str, &str) -> bool,
{
    let mut missing = BTreeSet::new();
    let mut queue: Vec<&Package> = vec![root];
    let mut seen: BTreeSet<&str> = BTreeSet::from([root.name.as_str()]);
    while let Some(pkg) = queue.pop() {
        for dep in ws.workspace_deps(pkg, true) {
            if !seen.insert(dep) {
                continue;
            }
            let Some(dep_pkg) = ws.package(dep) else { continue };
            if !published(&dep_pkg.name, &dep_pkg.version) {
                missing.insert(dep_pkg.name.clone());
                queue.push(dep_pkg);
            }
        }
    }
    missing.into_iter().collect()
}

/// A publication order, plus a note when dev-dependencies had to be ignored to break a cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishOrder {
    /// Crate names, dependencies first.
    pub order: Vec<String>,
    /// Set when the order ignores dev-dependency edges (they formed a cycle).
    pub dev_edges_ignored: bool,
}

/// Orders `crates` so that every crate comes after the workspace crates it depends on.
///
/// `deps_of(name, include_dev)` gives a crate's workspace dependencies. Dev-dependencies are
/// honoured when they do not form a cycle (crates.io wants them to exist too); otherwise only
/// normal and build edges are used. Ties are broken by name so the order is deterministic.
/// Errors when a crate needs a workspace crate that is not in `crates` (e.g. `publish = false`),
/// or on a cycle of normal/build edges.
pub fn publish_order<F>(crates: &[&str], deps_of: F) -> Result<PublishOrder, String>
where
    F: Fn(&str, bool) -> BTreeSet<String>,
{
    let set: BTreeSet<&str> = crates.iter().copied().collect();
    for name in &set {
        for dep in deps_of(name, false) {
            if !set.contains(dep.as_str()) {
                return Err(format!(
                    "`{name}` depends on workspace crate `{dep}`, which is not publishable"
                ));
            }
        }
    }
    let with_dev = |name: &str| -> BTreeSet<String> {
        deps_of(name, true)
            .into_iter()
            .filter(|d| set.contains(d.as_str()))
            .collect()
    };
    if let Some(order) = topo_sort(&set, with_dev) {
        return Ok(PublishOrder {
            order,
            dev_edges_ignored: false,
        });
    }
    match topo_sort(&set, |name| deps_of(name, false)) {
        Some(order) => Ok(PublishOrder {
            order,
            dev_edges_ignored: true,
        }),
        None => Err("dependency cycle between publishable crates".to_string()),
    }
}

/// Kahn's algorithm with name-ordered tie breaking; `None` on a cycle.
fn topo_sort<F>(nodes: &BTreeSet<&str>, deps_of: F) -> Option<Vec<String>>
where
    F: Fn(&str) -> BTreeSet<String>,
{
    let mut pending: BTreeMap<&str, BTreeSet<String>> = nodes
        .iter()
        .map(|&n| {
            (
                n,
                deps_of(n)
                    .into_iter()
                    .filter(|d| d != n && nodes.contains(d.as_str()))
                    .collect(),
            )
        })
        .collect();
    let mut order = Vec::with_capacity(nodes.len());
    while !pending.is_empty() {
        let ready = pending.iter().find(|(_, deps)| deps.is_empty()).map(|(&n, _)| n)?;
        pending.remove(ready);
        for deps in pending.values_mut() {
            deps.remove(ready);
        }
        order.push(ready.to_string());
    }
    Some(order)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph<'a>(edges: &'a [(&'a str, &'a [&'a str], &'a [&'a str])]) -> impl Fn(&str, bool) -> BTreeSet<String> + 'a {
        move |name, include_dev| {
            let (_, normal, dev) = edges.iter().find(|(n, _, _)| *n == name).expect("known crate");
            let mut out: BTreeSet<String> = normal.iter().map(|s| s.to_string()).collect();
            if include_dev {
                out.extend(dev.iter().map(|s| s.to_string()));
            }
            out
        }
    }

    #[test]
    fn orders_dependencies_first() {
        let edges: &[(&str, &[&str], &[&str])] = &[
            ("exch", &["exch-core", "exch-router", "exch-binance", "exch-okx"], &[]),
            ("exch-binance", &["exch-core"], &["exch-testkit"]),
            ("exch-core", &[], &[]),
            ("exch-okx", &["exch-core"], &["exch-testkit"]),
            ("exch-router", &["exch-core"], &[]),
            ("exch-testkit", &["exch-core"], &[]),
        ];
        let names: Vec<&str> = edges.iter().map(|e| e.0).collect();
        let plan = publish_order(&names, graph(edges)).unwrap();
        assert_eq!(
            plan.order,
            [
                "exch-core",
                "exch-router",
                "exch-testkit",
                "exch-binance",
                "exch-okx",
                "exch"
            ]
        );
        assert!(!plan.dev_edges_ignored);
    }

    #[test]
    fn ignores_dev_edges_only_when_they_cycle() {
        // core's tests use the testkit, and the testkit depends on core: a dev cycle.
        let edges: &[(&str, &[&str], &[&str])] = &[
            ("exch-core", &[], &["exch-testkit"]),
            ("exch-testkit", &["exch-core"], &[]),
        ];
        let plan = publish_order(&["exch-testkit", "exch-core"], graph(edges)).unwrap();
        assert_eq!(plan.order, ["exch-core", "exch-testkit"]);
        assert!(plan.dev_edges_ignored);
    }

    #[test]
    fn rejects_normal_cycles_and_unpublishable_deps() {
        let cycle: &[(&str, &[&str], &[&str])] = &[("a", &["b"], &[]), ("b", &["a"], &[])];
        assert!(publish_order(&["a", "b"], graph(cycle)).unwrap_err().contains("cycle"));
        let missing: &[(&str, &[&str], &[&str])] = &[("a", &["internal"], &[])];
        let err = publish_order(&["a"], graph(missing)).unwrap_err();
        assert!(err.contains("`internal`"), "{err}");
    }

    const METADATA: &str = r#"{
      "packages": [
        {"name": "exch-core", "version": "0.1.0", "id": "path+file:///w/crates/exch-core#0.1.0",
         "manifest_path": "/w/crates/exch-core/Cargo.toml", "publish": null,
         "dependencies": [{"name": "serde", "kind": null, "req": "^1", "source": "registry+https://github.com/rust-lang/crates.io-index"}],
         "targets": [{"kind": ["lib"], "name": "exch_core"}]},
        {"name": "exch-binance", "version": "0.1.0", "id": "path+file:///w/crates/exch-binance#0.1.0",
         "manifest_path": "/w/crates/exch-binance/Cargo.toml", "publish": null,
         "dependencies": [
           {"name": "exch-core", "kind": null, "req": "^0.1.0", "path": "/w/crates/exch-core"},
           {"name": "exch-testkit", "kind": "dev", "req": "^0.1.0", "path": "/w/crates/exch-testkit"},
           {"name": "insta", "kind": "dev", "req": "^1"}],
         "targets": [{"kind": ["lib"], "name": "exch_binance"}, {"kind": ["test"], "name": "snapshots"},
                     {"kind": ["test"], "name": "sim"}]},
        {"name": "exch-testkit", "version": "0.1.0", "id": "path+file:///w/crates/exch-testkit#0.1.0",
         "manifest_path": "/w/crates/exch-testkit/Cargo.toml", "publish": null,
         "dependencies": [{"name": "exch-core", "kind": null, "req": "^0.1.0", "path": "/w/crates/exch-core"}],
         "targets": []},
        {"name": "xtask", "version": "0.0.0", "id": "path+file:///w/xtask#0.0.0",
         "manifest_path": "/w/xtask/Cargo.toml", "publish": [],
         "dependencies": [], "targets": [{"kind": ["bin"], "name": "xtask"}]}
      ],
      "workspace_members": ["path+file:///w/crates/exch-core#0.1.0", "path+file:///w/crates/exch-binance#0.1.0",
                            "path+file:///w/crates/exch-testkit#0.1.0", "path+file:///w/xtask#0.0.0"],
      "workspace_root": "/w",
      "version": 1
    }"#;

    #[test]
    fn reads_cargo_metadata() {
        let ws = Workspace::from_metadata(METADATA).unwrap();
        assert_eq!(ws.root, "/w");
        assert_eq!(ws.packages.len(), 4);
        let names: Vec<&str> = ws.publishable().iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["exch-binance", "exch-core", "exch-testkit"]);
        assert!(!ws.package("xtask").unwrap().publish);
        let binance = ws.package("exch-binance").unwrap();
        assert_eq!(binance.test_targets, ["snapshots", "sim"]);
        assert_eq!(
            ws.workspace_deps(binance, false).into_iter().collect::<Vec<_>>(),
            ["exch-core"]
        );
        assert_eq!(
            ws.workspace_deps(binance, true).into_iter().collect::<Vec<_>>(),
            ["exch-core", "exch-testkit"]
        );
        let names: Vec<&str> = names.to_vec();
        let plan = publish_order(&names, |n, dev| {
            ws.workspace_deps(ws.package(n).unwrap(), dev)
                .into_iter()
                .map(str::to_string)
                .collect()
        })
        .unwrap();
        assert_eq!(plan.order, ["exch-core", "exch-testkit", "exch-binance"]);
    }

    #[test]
    fn finds_unpublished_dependencies_transitively() {
        let ws = Workspace::from_metadata(METADATA).unwrap();
        let binance = ws.package("exch-binance").unwrap();
        // Nothing published: core and testkit (a dev-dependency) must come along.
        assert_eq!(
            unpublished_deps(&ws, binance, |_, _| false),
            ["exch-core", "exch-testkit"]
        );
        // Everything published: nothing to bring.
        assert!(unpublished_deps(&ws, binance, |_, _| true).is_empty());
        // Only core published: the testkit comes, and its (published) core is not followed.
        let mut asked = Vec::new();
        let missing = unpublished_deps(&ws, binance, |name, version| {
            asked.push(format!("{name}@{version}"));
            name == "exch-core"
        });
        assert_eq!(missing, ["exch-testkit"]);
        asked.sort();
        assert_eq!(asked, ["exch-core@0.1.0", "exch-testkit@0.1.0"]);
        assert!(unpublished_deps(&ws, ws.package("exch-core").unwrap(), |_, _| false).is_empty());
    }

    #[test]
    fn rejects_bad_metadata() {
        assert!(Workspace::from_metadata("not json").is_err());
        assert!(Workspace::from_metadata(r#"{"packages": []}"#).is_err());
    }
}
