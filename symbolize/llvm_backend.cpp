// symbolize/llvm_backend.cpp — the `--symbolizer llvm` backend: LLVM 14's LLVMSymbolizer in-process.
//
// The symbolizer is asked for the file that holds the DWARF (the separate debug file when there
// is one: it keeps the program headers and the symbol table), with names left mangled so both
// backends demangle the same way. Every llvm::Expected is checked and its error consumed.
#include <llvm/DebugInfo/Symbolize/Symbolize.h>
#include <llvm/Support/Error.h>

#include "symbolize/backend.h"

namespace profkit::symbolize {

namespace {

std::string clean(const std::string& s) { return s == llvm::DILineInfo::BadString ? std::string() : s; }

class LlvmBinary final : public BinarySymbols {
 public:
  LlvmBinary(std::shared_ptr<llvm::symbolize::LLVMSymbolizer> symbolizer, std::string module)
      : symbolizer_(std::move(symbolizer)), module_(std::move(module)) {}

  FrameChain resolve(uint64_t rel_addr) override {
    FrameChain chain;
    llvm::object::SectionedAddress address{rel_addr, llvm::object::SectionedAddress::UndefSection};
    llvm::Expected<llvm::DIInliningInfo> info = symbolizer_->symbolizeInlinedCode(module_, address);
    if (!info) {
      llvm::consumeError(info.takeError());
      return chain;
    }
    for (uint32_t i = 0; i < info->getNumberOfFrames(); ++i) {
      const llvm::DILineInfo& f = info->getFrame(i);
      ResolvedFrame frame{clean(f.FunctionName), clean(f.FileName), f.Line, f.Column, f.StartLine};
      if (frame.function.empty() && frame.file.empty() && frame.line == 0) continue;
      chain.push_back(std::move(frame));
    }
    return chain;
  }

 private:
  std::shared_ptr<llvm::symbolize::LLVMSymbolizer> symbolizer_;
  std::string module_;
};

class LlvmBackend final : public Backend {
 public:
  LlvmBackend() {
    llvm::symbolize::LLVMSymbolizer::Options options;
    options.PrintFunctions = llvm::symbolize::FunctionNameKind::LinkageName;
    options.PathStyle = llvm::DILineInfoSpecifier::FileLineInfoKind::AbsoluteFilePath;
    options.UseSymbolTable = true;
    options.Demangle = false;
    options.RelativeAddresses = false;
    symbolizer_ = std::make_shared<llvm::symbolize::LLVMSymbolizer>(options);
  }

  model::Result<std::unique_ptr<BinarySymbols>> open(const std::string& binary, const std::string& debug_file) override {
    return std::make_unique<LlvmBinary>(symbolizer_, debug_file.empty() ? binary : debug_file);
  }

 private:
  std::shared_ptr<llvm::symbolize::LLVMSymbolizer> symbolizer_;
};

}  // namespace

std::unique_ptr<Backend> make_llvm_backend() { return std::make_unique<LlvmBackend>(); }

}  // namespace profkit::symbolize
