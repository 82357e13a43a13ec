//! Venue-neutral emulated cancel-all: cancels a list of open orders in batches of at most
//! `batch_max`, collecting what each batch reports cancelled and the first failure.
//!
//! Written here because exch-core has no such helper yet; nothing in it is OKX specific (OKX
//! has no cancel-all for spot and swaps: list `orders-pending`, then `cancel-batch-orders` of at
//! most 20). It can be hoisted into exch-core unchanged.

use std::future::Future;

use exch_core::Result;

/// Cancels `items` in consecutive batches of at most `batch_max` (≥ 1) with `cancel_batch`,
/// returning every result in order. Stops at the first batch that fails as a whole.
pub async fn cancel_in_batches<T, R, F, Fut>(items: &[T], batch_max: usize, mut cancel_batch: F) -> Result<Vec<R>>
where
    T: Clone,
    F: FnMut(Vec<T>) -> Fut,
    Fut: Future<Output = Result<Vec<R>>>,
{
    let mut out = Vec::with_capacity(items.len());
    for chunk in items.chunks(batch_max.max(1)) {
        out.extend(cancel_batch(chunk.to_vec()).await?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn batches_of_at_most_twenty() {
        let items: Vec<u32> = (0..45).collect();
        let mut sizes = Vec::new();
        let out = cancel_in_batches(&items, 20, |b| {
            sizes.push(b.len());
            async move { Ok(b) }
        })
        .await
        .unwrap();
        assert_eq!(sizes, vec![20, 20, 5]);
        assert_eq!(out, items);
        let none: Vec<u32> = cancel_in_batches(&[] as &[u32], 20, |b| async move { Ok(b) })
            .await
            .unwrap();
        assert!(none.is_empty());
    }

    #[tokio::test]
    async fn stops_at_a_failed_batch() {
        let items: Vec<u32> = (0..30).collect();
        let mut calls = 0;
        let r: Result<Vec<u32>> = cancel_in_batches(&items, 10, |b| {
            calls += 1;
            let fail = calls == 2;
            async move {
                if fail {
                    Err(exch_core::Error::new(exch_core::ErrorKind::Unavailable, "down"))
                } else {
                    Ok(b)
                }
            }
        })
        .await;
        assert!(r.is_err());
        assert_eq!(calls, 2);
    }
}
