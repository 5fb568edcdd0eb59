#![allow(clippy::unwrap_used)]
//! Temporary: run the store benchmark by hand. `store_bench <url-or-path> <users> <concurrency>`
#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let store = cerulean_store::open_store(&args[1]).await.unwrap();
    let users = args[2].parse().unwrap();
    let concurrency = args[3].parse().unwrap();
    println!(
        "backend {}, {users} users, concurrency {concurrency}",
        store.backend()
    );
    let report = cerulean_store::run_store_benchmark(store, users, concurrency)
        .await
        .unwrap();
    print!("{report}");
}
