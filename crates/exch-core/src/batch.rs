//! Batched operations over a list: [`in_batches`] runs a venue's batch endpoint over
//! consecutive chunks of at most the venue's batch size, in order, stopping at the first batch
//! that fails as a whole.
//!
//! The typical use is an emulated cancel-all on a venue without one: list the open orders, then
//! cancel them with the venue's batch-cancel endpoint, `max` at a time.

use std::future::Future;

use crate::error::Result;

/// Runs `batch` over consecutive chunks of `items` of at most `max` (0 is treated as 1),
/// returning every result in order. Stops at the first batch that fails as a whole and returns
/// its error; later batches are not sent. An empty `items` sends nothing.
pub async fn in_batches<T, R, F, Fut>(items: &[T], max: usize, mut batch: F) -> Result<Vec<R>>
where
    T: Clone,
    F: FnMut(Vec<T>) -> Fut,
    Fut: Future<Output = Result<Vec<R>>>,
{
    let mut out = Vec::with_capacity(items.len());
    for chunk in items.chunks(max.max(1)) {
        out.extend(batch(chunk.to_vec()).await?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, ErrorKind};

    #[tokio::test]
    async fn batches_of_at_most_max_in_order() {
        let items: Vec<u32> = (0..45).collect();
        let mut sizes = Vec::new();
        let out = in_batches(&items, 20, |b| {
            sizes.push(b.len());
            async move { Ok(b) }
        })
        .await
        .unwrap();
        assert_eq!(sizes, vec![20, 20, 5]);
        assert_eq!(out, items);
    }

    #[tokio::test]
    async fn nothing_to_do_sends_nothing() {
        let mut calls = 0;
        let none: Vec<u32> = in_batches(&[] as &[u32], 20, |b| {
            calls += 1;
            async move { Ok(b) }
        })
        .await
        .unwrap();
        assert!(none.is_empty());
        assert_eq!(calls, 0);
    }

    #[tokio::test]
    async fn zero_max_means_one_at_a_time() {
        let mut sizes = Vec::new();
        let out = in_batches(&[1u8, 2, 3], 0, |b| {
            sizes.push(b.len());
            async move { Ok(b) }
        })
        .await
        .unwrap();
        assert_eq!(sizes, vec![1, 1, 1]);
        assert_eq!(out, vec![1, 2, 3]);
    }

    #[tokio::test]
    async fn results_may_differ_in_count_from_items() {
        // A venue acknowledging only part of a batch: results are concatenated as returned.
        let out = in_batches(&[1u32, 2, 3, 4, 5], 2, |b| async move { Ok(vec![b[0] * 10]) })
            .await
            .unwrap();
        assert_eq!(out, vec![10, 30, 50]);
    }

    #[tokio::test]
    async fn stops_at_a_failed_batch() {
        let items: Vec<u32> = (0..30).collect();
        let mut calls = 0;
        let r: Result<Vec<u32>> = in_batches(&items, 10, |b| {
            calls += 1;
            let fail = calls == 2;
            async move {
                if fail {
                    Err(Error::new(ErrorKind::Unavailable, "down"))
                } else {
                    Ok(b)
                }
            }
        })
        .await;
        assert_eq!(r.unwrap_err().kind(), ErrorKind::Unavailable);
        assert_eq!(calls, 2);
    }
}
