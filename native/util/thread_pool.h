// SPDX-License-Identifier: MIT
// A fixed-size thread pool shared by every kernel of the addon.
//
// Why one pool: Node already runs ONNX Runtime's own threads; a single pool whose size is set by
// `concurrency()` keeps the total number of busy threads predictable. Why deterministic chunking:
// every kernel writes each output element from exactly one chunk and never reduces across chunks in
// an order that depends on timing, so results are identical for any thread count.
#pragma once

#include <cstddef>
#include <functional>

namespace limeshap {

/// Number of threads used by ParallelFor (the calling thread included). Default: hardware threads.
int PoolThreads();

/// Sets the number of threads (>= 1); 1 runs everything on the calling thread.
void SetPoolThreads(int threads);

/// Calls fn(chunkBegin, chunkEnd) for consecutive chunks of [begin, end) of `grain` indices each (the
/// last one may be shorter), spread over the pool; the calling thread works too and returns when every
/// chunk is done. Exceptions thrown by fn are rethrown here (the first one). Safe to call from several
/// threads at once (the AsyncWorkers of concurrent JS calls), and from inside fn (runs inline then).
void ParallelFor(size_t begin, size_t end, size_t grain, const std::function<void(size_t, size_t)>& fn);

}  // namespace limeshap
