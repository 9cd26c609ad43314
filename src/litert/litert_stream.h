// One LiteRT (Node) process that takes models while the caller is still making them: started
// first, it loads the WASM runtime (the costly part of a LiteRT run) while the caller converts,
// then runs each job the moment its line arrives on the runner's stdin (`batch -`). Used by
// `mconv convert -o DIR`, whose TFLite variants are written one by one.
//
//   auto stream = LiteRtStream::Start();        // Node starts, LiteRT loads
//   auto input = (*stream)->write_input("sample", batch);
//   auto job = (*stream)->add(model_path, {*input});
//   auto outputs = (*stream)->finish();         // per job: its outputs or why it failed
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "litert/litert.h"
#include "litert/subprocess.h"

namespace mconv::litert {

class LiteRtStream {
 public:
  // Starts the runner; an error when LiteRT is not available (locate_litert's reason) or the
  // process cannot be started.
  static Expected<std::unique_ptr<LiteRtStream>> Start(const LiteRtOptions& options = {});
  // Finishes (closes the job list, waits for the runner) and removes the working files.
  ~LiteRtStream();
  LiteRtStream(const LiteRtStream&) = delete;
  LiteRtStream& operator=(const LiteRtStream&) = delete;

  // Writes `t` as <name>.npy in the stream's private directory and returns its path.
  Expected<std::string> write_input(const std::string& name, const Tensor& t);
  // Queues `model_path` on `input_paths` (one .npy per model input, N stacked samples allowed);
  // returns the job's index.
  Expected<size_t> add(const std::string& model_path, const std::vector<std::string>& input_paths);
  // Closes the job list and waits for the runner. Per job in add() order: its outputs (the
  // model's own dtypes, samples stacked) or its error. An error as a whole when the runner
  // overran its timeout. Call once.
  std::vector<Expected<std::vector<Tensor>>> finish();

 private:
  LiteRtStream() = default;
  void close_input();

  std::string dir_;                  // private working directory (inputs, outputs)
  std::vector<std::string> models_;  // per job: the model path
  int job_fd_ = -1;                  // write end of the runner's stdin
  int child_stdin_ = -1;             // read end (kept open so a dead runner cannot SIGPIPE us)
  std::thread runner_;               // runs the process to its end
  Expected<ProcessResult> result_ = Status::Error("LiteRT runner not finished");
  bool finished_ = false;
};

}  // namespace mconv::litert
