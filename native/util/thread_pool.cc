// SPDX-License-Identifier: MIT
#include "util/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace limeshap {
namespace {

struct Job {
  const std::function<void(size_t, size_t)>* fn;
  size_t begin, end, grain, chunks;
  std::atomic<size_t> next{0};  // next chunk to claim
  std::atomic<size_t> done{0};  // chunks finished
  std::mutex mutex;
  std::condition_variable finished;
  std::exception_ptr error;

  // Claims and runs one chunk; false when none is left to claim.
  bool RunOne() {
    size_t chunk = next.fetch_add(1);
    if (chunk >= chunks) return false;
    size_t lo = begin + chunk * grain;
    size_t hi = std::min(end, lo + grain);
    try {
      (*fn)(lo, hi);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex);
      if (!error) error = std::current_exception();
    }
    if (done.fetch_add(1) + 1 == chunks) {
      std::lock_guard<std::mutex> lock(mutex);
      finished.notify_all();
    }
    return true;
  }
};

thread_local bool insidePool = false;

class Pool {
 public:
  Pool() { Resize(static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))); }
  ~Pool() { Stop(); }

  int Threads() {
    std::lock_guard<std::mutex> lock(mutex_);
    return threads_;
  }

  void Resize(int threads) {
    Stop();
    std::lock_guard<std::mutex> lock(mutex_);
    threads_ = threads;
    stopping_ = false;
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
  }

  void Run(const std::shared_ptr<Job>& job) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(job);
    }
    wake_.notify_all();
    while (job->RunOne()) {
    }
    std::unique_lock<std::mutex> lock(job->mutex);
    job->finished.wait(lock, [&] { return job->done.load() == job->chunks; });
  }

 private:
  void Stop() {
    std::vector<std::thread> old;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      old.swap(workers_);
    }
    wake_.notify_all();
    for (auto& t : old) t.join();
  }

  void WorkerLoop() {
    insidePool = true;
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        job = queue_.front();
        // A job stays queued until all its chunks are claimed, so every idle worker can help.
        if (job->next.load() >= job->chunks) {
          queue_.pop_front();
          continue;
        }
      }
      job->RunOne();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::vector<std::thread> workers_;
  int threads_ = 1;
  bool stopping_ = false;
};

// Never destroyed, on purpose: at process exit (process.exit() with a Promise still pending) a libuv
// thread may still be inside Run(), and a static destructor would free the mutex and queue under it.
Pool& GlobalPool() {
  static Pool* pool = new Pool();
  return *pool;
}

}  // namespace

int PoolThreads() { return GlobalPool().Threads(); }

void SetPoolThreads(int threads) { GlobalPool().Resize(std::max(1, threads)); }

void ParallelFor(size_t begin, size_t end, size_t grain, const std::function<void(size_t, size_t)>& fn) {
  if (end <= begin) return;
  grain = std::max<size_t>(1, grain);
  size_t chunks = (end - begin + grain - 1) / grain;
  if (chunks == 1 || insidePool || GlobalPool().Threads() == 1) {
    for (size_t lo = begin; lo < end; lo += grain) fn(lo, std::min(end, lo + grain));
    return;
  }
  auto job = std::make_shared<Job>();
  job->fn = &fn;
  job->begin = begin;
  job->end = end;
  job->grain = grain;
  job->chunks = chunks;
  GlobalPool().Run(job);
  if (job->error) std::rethrow_exception(job->error);
}

}  // namespace limeshap
