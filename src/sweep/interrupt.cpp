// SIGINT/SIGTERM to a flag and a self-pipe.
#include "sweep/interrupt.hpp"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstring>

#include "core/error.hpp"

namespace gemmtune::sweep {
namespace {

volatile sig_atomic_t g_interrupted = 0;
int g_pipe[2] = {-1, -1};
bool g_installed = false;
struct sigaction g_previous_int {};
struct sigaction g_previous_term {};
struct sigaction g_previous_pipe {};

extern "C" void on_interrupt(int) {
  const int saved = errno;
  g_interrupted = 1;
  const char byte = 1;
  [[maybe_unused]] const ssize_t ignored = ::write(g_pipe[1], &byte, 1);
  errno = saved;
}

}  // namespace

InterruptGuard::InterruptGuard() {
  GT_CHECK(!g_installed, kExitUsage, "one InterruptGuard at a time");
  if (::pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    throw Error(kExitIoError, std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  g_interrupted = 0;
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // NOTE: no SA_RESTART, so a blocking call returns EINTR and re-checks
  ::sigaction(SIGINT, &action, &g_previous_int);
  ::sigaction(SIGTERM, &action, &g_previous_term);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  ::sigaction(SIGPIPE, &ignore, &g_previous_pipe);
  g_installed = true;
}

InterruptGuard::~InterruptGuard() {
  ::sigaction(SIGINT, &g_previous_int, nullptr);
  ::sigaction(SIGTERM, &g_previous_term, nullptr);
  ::sigaction(SIGPIPE, &g_previous_pipe, nullptr);
  ::close(g_pipe[0]);
  ::close(g_pipe[1]);
  g_pipe[0] = g_pipe[1] = -1;
  g_installed = false;
}

bool InterruptGuard::interrupted() const { return g_interrupted != 0; }

int InterruptGuard::fd() const { return g_pipe[0]; }

}  // namespace gemmtune::sweep
