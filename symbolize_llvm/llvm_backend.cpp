// symbolize_llvm/llvm_backend.cpp — the `--symbolizer llvm` backend: LLVM 14's LLVMSymbolizer
// in-process. Built as the module profkit-llvm.so, which symbolize/llvm_loader.cpp dlopen()s only
// when this backend is asked for: libLLVM's relocations cost every other run ~40 MB of RSS.
//
// The symbolizer is asked for the file that holds the DWARF (the separate debug file when there
// is one: it keeps the program headers), DWARF only, names left mangled: the pass adds symbol-table
// names and demangles the same way for both backends. Every llvm::Expected is checked and its
// error consumed.
#include <llvm/DebugInfo/Symbolize/Symbolize.h>
#include <llvm/Support/Error.h>

#include "symbolize/backend.h"

namespace profkit::symbolize {

namespace {

std::string clean(const std::string& s) { return s == llvm::DILineInfo::BadString ? std::string() : s; }

// LLVM 14 joins a relative DWARF 5 compilation directory twice ("./iconv/./iconv/x.c" where
// libdw, gdb and addr2line say "./iconv/x.c"); undo that one duplication so backends agree.
std::string undouble(std::string path) {
  if (path.empty() || path[0] != '.') return path;
  for (size_t slash = path.find('/'); slash != std::string::npos && slash + 1 < path.size(); slash = path.find('/', slash + 1)) {
    const std::string_view prefix(path.data(), slash + 1);  // "A/"
    if (std::string_view(path).substr(slash + 1).starts_with(prefix)) return path.substr(slash + 1);
  }
  return path;
}

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
      ResolvedFrame frame{clean(f.FunctionName), undouble(clean(f.FileName)), f.Line, f.Column, f.StartLine};
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
    options.UseSymbolTable = false;  // ElfSymbols (shared with libdw) names from the symbol table
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

}  // namespace profkit::symbolize

// The module's one entry point; the caller owns the result (deleted through Backend's virtual
// destructor, whose code lives here).
extern "C" __attribute__((visibility("default"))) profkit::symbolize::Backend* profkit_make_llvm_backend() {
  return new profkit::symbolize::LlvmBackend();
}
