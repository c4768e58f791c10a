#include "daemon/server.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <list>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "daemon/sim_session.h"
#include "security/admission.h"

namespace ups::daemon {

using nlohmann::json;

namespace {

constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kMaxPendingOut = 4u << 20;  // a client that reads nothing is dropped past this

TimeNs monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<TimeNs>(ts.tv_sec) * kNsPerSec + static_cast<TimeNs>(ts.tv_nsec);
}

std::string utc_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  tm t{};
  ::gmtime_r(&ts.tv_sec, &t);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &t);
  return fmt::format("{}.{:06}Z", buf, ts.tv_nsec / 1000);
}

tl::unexpected<Error> os_error(const std::string& what) {
  return make_error(ErrorKind::io, what + ": " + std::strerror(errno));
}

// The listening socket at `path`, mode 0666 (any local user may ask; the
// daemon decides). A stale socket left by a dead daemon is replaced; a live
// one is an error.
Result<int> listen_on(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path)
    return make_error(ErrorKind::invalid_argument,
                      fmt::format("--socket {}: a path of 1..{} bytes", path, sizeof addr.sun_path - 1));
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    const std::string dir = path.substr(0, slash);
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 && ::mkdir(dir.c_str(), 0755) != 0) return os_error("--socket " + dir);
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return os_error("socket");
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      ::close(fd);
      return make_error(ErrorKind::invalid_argument, "--socket " + path + ": exists and is not a socket");
    }
    const int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const bool live = probe >= 0 && ::connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    if (probe >= 0) ::close(probe);
    if (live) {
      ::close(fd);
      return make_error(ErrorKind::invalid_argument, "--socket " + path + ": another daemon is serving it");
    }
    ::unlink(path.c_str());
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::chmod(path.c_str(), 0666) != 0 ||
      ::listen(fd, 128) != 0) {
    auto e = os_error("--socket " + path);
    ::close(fd);
    return e;
  }
  return fd;
}

// systemd socket activation (the sd_listen_fds(3) protocol, without
// libsystemd): when LISTEN_PID is this process and LISTEN_FDS >= 1, fd 3 is
// the listening socket, already bound (upschedd.socket sets its mode). The
// variables are cleared so that no child takes them for its own.
int inherited_listen_fd() {
  const char* pid = std::getenv("LISTEN_PID");
  const char* fds = std::getenv("LISTEN_FDS");
  if (!pid || !fds || std::atol(pid) != static_cast<long>(::getpid()) || std::atoi(fds) < 1) return -1;
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_FDNAMES");
  constexpr int kFd = 3;  // SD_LISTEN_FDS_START
  struct stat st {};
  if (::fstat(kFd, &st) != 0 || !S_ISSOCK(st.st_mode)) return -1;
  ::fcntl(kFd, F_SETFD, FD_CLOEXEC);
  ::fcntl(kFd, F_SETFL, ::fcntl(kFd, F_GETFL) | O_NONBLOCK);
  return kFd;
}

// The path a listening socket is bound to ("" when unnamed).
std::string bound_path(int fd) {
  sockaddr_un addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0 || addr.sun_family != AF_UNIX) return "";
  return std::string(addr.sun_path, ::strnlen(addr.sun_path, sizeof addr.sun_path));
}

}  // namespace

struct Server::Client {
  u64 id = 0;
  int fd = -1;
  bool busy = false;     // a simulator session of its own runs: its next requests wait
  Peer peer;
  FrameReader reader;
  std::string out;
  TimeNs deadline = 0;   // the next request must be complete by then
  bool closing = false;  // close once `out` is sent
};

struct Server::Impl {
  ServerOptions opts;
  int listen_fd = -1;
  bool owns_socket = true;  // false: systemd's, left in place at exit
  int stop_fd = -1;
  int signal_fd = -1;
  std::FILE* audit = stderr;
  std::string state_dir;
  std::unique_ptr<Session> session;
  std::list<Client> clients;
  u64 next_client = 0;
  u64 requests = 0;
  // Simulator sessions (sim_session.h), each on a thread of its own; an
  // answer comes back through `sims_done` and `sims_fd`.
  struct SimRun {
    u64 client = 0;
    std::thread thread;
  };
  std::list<SimRun> sims;
  std::mutex sims_mu;
  std::vector<std::pair<u64, Response>> sims_done;  // under sims_mu
  int sims_fd = -1;
  TimeNs started = 0;

  void audit_line(json line) {
    line["time"] = utc_now();
    const std::string text = line.dump(-1, ' ', false, json::error_handler_t::replace);
    std::fprintf(audit, "%s\n", text.c_str());
    std::fflush(audit);
  }
  static json peer_json(const Peer& p) {
    return {{"uid", p.principal.uid}, {"gid", p.principal.gid}, {"pid", p.pid}, {"user", p.user}};
  }
  void send(Client& c, const Response& r) { c.out += frame(encode_response(r)); }
  void fail(Client& c, const std::string& why, const std::string& rule) {
    Response r;
    r.error = why;
    r.rule = rule;
    send(c, r);
    audit_line({{"peer", peer_json(c.peer)}, {"decision", "refused"}, {"verb", nullptr}, {"rule", rule},
                {"reason", why}});
    c.closing = true;
    c.deadline = monotonic_ns() + opts.read_timeout_ns;  // to send this answer
  }
  void accept_clients();
  void read_client(Client& c);
  // Serves the requests complete in c's buffer, in order, until one makes
  // it wait (busy).
  void serve_buffered(Client& c);
  // Starts a simulator session for c (or refuses it); false: refused, r says why.
  bool start_sim(Client& c, const Request& req, Response& r);
  void finish_sims();
  void serve(Client& c, const std::string& body);
  void write_client(Client& c);
  Status reload();
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<Server>> Server::create(ServerOptions opts) {
  auto impl = std::make_unique<Impl>();
  Impl& I = *impl;
  I.opts = std::move(opts);
  if (I.opts.handle_signals) {
    // Before the runtime's threads exist, so that they inherit the mask and
    // the signals come to the signalfd only. SIGPIPE: writes say EPIPE.
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGHUP, SIGTERM, SIGINT}) sigaddset(&set, s);
    ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
    I.signal_fd = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (I.signal_fd < 0) return os_error("signalfd");
  }
  if (!I.opts.audit_path.empty()) {
    I.audit = std::fopen(I.opts.audit_path.c_str(), "ae");
    if (!I.audit) return os_error("--audit " + I.opts.audit_path);
  }
  auto adm = std::make_shared<security::AdmissionConfig>();
  if (!I.opts.admission_file.empty()) {
    auto loaded = security::AdmissionConfig::load_file(I.opts.admission_file);
    if (!loaded) return tl::unexpected(loaded.error());
    *adm = std::move(*loaded);
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/upschedd.XXXXXX";
  if (!::mkdtemp(templ.data())) return os_error("state folder " + templ);
  I.state_dir = templ;
  SessionOptions so;
  so.cpus = I.opts.cpus;
  so.seed = I.opts.seed;
  so.state_dir = I.state_dir;
  auto session = Session::create(so);
  if (!session) return tl::unexpected(session.error());
  I.session = std::move(*session);
  I.session->set_admission(adm, I.opts.admission_file.empty() ? "(default: only root may load)"
                                                               : I.opts.admission_file);
  I.stop_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (I.stop_fd < 0) return os_error("eventfd");
  I.sims_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (I.sims_fd < 0) return os_error("eventfd");
  if (const int inherited = inherited_listen_fd(); inherited >= 0) {
    I.listen_fd = inherited;
    I.owns_socket = false;
    I.opts.socket_path = bound_path(inherited);
  } else {
    auto fd = listen_on(I.opts.socket_path);
    if (!fd) return tl::unexpected(fd.error());
    I.listen_fd = *fd;
  }
  I.started = monotonic_ns();
  I.audit_line({{"event", "start"}, {"socket", I.opts.socket_path}, {"socket_activated", !I.owns_socket},
                {"admission", I.opts.admission_file}, {"pid", ::getpid()}});
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::~Server() {
  Impl& I = *impl_;
  for (auto& c : I.clients) ::close(c.fd);
  for (auto& sr : I.sims) sr.thread.join();  // they use the session
  I.session.reset();  // the runtime stops before the files go
  if (I.listen_fd >= 0) {
    ::close(I.listen_fd);
    if (I.owns_socket) ::unlink(I.opts.socket_path.c_str());
  }
  for (int fd : {I.stop_fd, I.signal_fd, I.sims_fd})
    if (fd >= 0) ::close(fd);
  if (!I.state_dir.empty()) ::rmdir(I.state_dir.c_str());
  if (I.audit && I.audit != stderr) std::fclose(I.audit);
}

void Server::stop() {
  const u64 one = 1;
  [[maybe_unused]] ssize_t r = ::write(impl_->stop_fd, &one, sizeof one);
}

Status Server::reload_admission() { return impl_->reload(); }

Status Server::Impl::reload() {
  if (opts.admission_file.empty()) return {};
  auto loaded = security::AdmissionConfig::load_file(opts.admission_file);
  if (!loaded) {
    const std::string why = loaded.error().to_string();
    audit_line({{"event", "reload"}, {"decision", "refused"}, {"file", opts.admission_file},
                {"rule", "admission: a file with errors is not used; the previous one stays"}, {"reason", why}});
    return make_error(ErrorKind::rejected, "admission file not reloaded: " + why);
  }
  session->set_admission(std::make_shared<security::AdmissionConfig>(std::move(*loaded)), opts.admission_file);
  audit_line({{"event", "reload"}, {"decision", "granted"}, {"file", opts.admission_file},
              {"rule", "admission: reloaded; loaded classes stay"}});
  return {};
}

void Server::Impl::accept_clients() {
  for (;;) {
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN: all taken; other errors: the next poll retries
    auto peer = peer_of(fd);
    Client c;
    c.id = ++next_client;
    c.fd = fd;
    c.deadline = monotonic_ns() + opts.read_timeout_ns;
    if (peer) c.peer = std::move(*peer);
    clients.push_back(std::move(c));
    Client& added = clients.back();
    if (!peer) fail(added, peer.error().message, "identity: SO_PEERCRED");
    else if (clients.size() > opts.max_clients)
      fail(added, fmt::format("upschedd serves at most {} clients at once; try again", opts.max_clients),
           "limit: clients");
  }
}

void Server::Impl::read_client(Client& c) {
  char buf[kReadChunk];
  // A few chunks per turn, so that one client streaming requests cannot
  // keep the loop from the others.
  for (int turn = 0; turn < 4 && !c.closing; ++turn) {
    const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n == 0) {  // the client went: a partial request leaves nothing behind
      c.closing = true;
      c.out.clear();
      return;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        c.closing = true;
        c.out.clear();
      }
      return;
    }
    c.reader.feed(std::string_view(buf, static_cast<size_t>(n)));
    serve_buffered(c);
    if (c.busy) return;
  }
}

void Server::Impl::serve_buffered(Client& c) {
  while (!c.busy && !c.closing) {
    auto body = c.reader.next();
    if (!body) return fail(c, body.error().message, "protocol: framing");
    if (!*body) break;
    serve(c, **body);
    c.deadline = monotonic_ns() + opts.read_timeout_ns;
  }
}

bool Server::Impl::start_sim(Client& c, const Request& req, Response& r) {
  auto adm = session->admission();
  const std::string rule = session->grant_rule(c.peer);
  r = admit_sim_session(c.peer, *adm, rule);
  if (!r.ok) return false;
  if (sims.size() >= kMaxSimSessions) {
    r = Response{};
    r.error = fmt::format("upschedd runs at most {} simulator sessions at once; try again", kMaxSimSessions);
    r.rule = "limit: simulator sessions";
    return false;
  }
  c.busy = true;
  sims.push_back(SimRun{c.id, std::thread([this, id = c.id, peer = c.peer, args = req.submit, adm, rule] {
    Response done = run_sim_session(*session, peer, args, adm, rule);
    std::lock_guard lk(sims_mu);
    sims_done.emplace_back(id, std::move(done));
    const u64 one = 1;
    [[maybe_unused]] ssize_t w = ::write(sims_fd, &one, sizeof one);
  })});
  return true;
}

// The sessions that ended: their answers go to their clients (if still
// there), whose waiting requests are served next.
void Server::Impl::finish_sims() {
  u64 n = 0;
  [[maybe_unused]] ssize_t got = ::read(sims_fd, &n, sizeof n);
  std::vector<std::pair<u64, Response>> done;
  {
    std::lock_guard lk(sims_mu);
    done.swap(sims_done);
  }
  for (auto& [id, r] : done) {
    for (auto it = sims.begin(); it != sims.end(); ++it)
      if (it->client == id) {
        it->thread.join();
        sims.erase(it);
        break;
      }
    auto c = std::find_if(clients.begin(), clients.end(), [id = id](const Client& k) { return k.id == id; });
    audit_line({{"peer", c != clients.end() ? peer_json(c->peer) : json(nullptr)}, {"verb", "submit"},
                {"sim", true}, {"decision", r.ok ? "granted" : "refused"}, {"rule", r.rule},
                {"event", "simulator session ended"}});
    if (c == clients.end() || c->closing) continue;  // it went: the answer goes nowhere
    c->busy = false;
    send(*c, r);
    c->deadline = monotonic_ns() + opts.read_timeout_ns;
    serve_buffered(*c);
  }
}

void Server::Impl::serve(Client& c, const std::string& body) {
  ++requests;
  auto req = parse_request(body);
  json line = {{"peer", peer_json(c.peer)}};
  Response r;
  if (!req) {
    r.error = req.error().message;
    r.rule = "protocol: schema";
    line["verb"] = nullptr;
  } else {
    line["verb"] = std::string(verb_name(req->verb));
    if (req->verb == Verb::load) {
      line["object"] = req->load.object_name;
      line["slot"] = req->load.slot == ChainSlot::above_fair ? "above_fair" : "below_fair";
      if (!req->load.cpus.empty()) line["cpus"] = req->load.cpus;
    }
    if (!req->name.empty()) line["class"] = req->name;
    if (req->verb == Verb::submit) {
      line["workload"] = req->submit.preset.empty() ? req->submit.workload_name : "preset " + req->submit.preset;
      if (req->submit.sim) line["sim"] = true;
    }
    if (req->verb == Verb::attach) {
      line["class"] = req->attach.cls;
      if (req->attach.job) line["job"] = req->attach.job;
      if (req->attach.task) line["task"] = req->attach.task;
    }
    if (req->verb == Verb::submit && req->submit.sim) {
      if (start_sim(c, *req, r)) {  // answered when it ends
        line["decision"] = "granted";
        line["rule"] = r.rule;
        line["event"] = "simulator session started";
        audit_line(std::move(line));
        return;
      }
    } else {
      r = session->handle(c.peer, *req);
    }
    if (req->verb == Verb::status && r.ok) {
      r.result["version"] = "upschedd 0.1";
      r.result["protocol"] = kProtocolVersion;
      r.result["socket"] = opts.socket_path;
      r.result["pid"] = ::getpid();
      r.result["clients"] = std::count_if(clients.begin(), clients.end(), [](const Client& k) { return !k.closing; });
      r.result["requests"] = requests;
    }
    if (r.ok && r.result.contains("class") && r.result["class"].is_string()) line["class"] = r.result["class"];
  }
  line["decision"] = r.ok ? "granted" : "refused";
  line["rule"] = r.rule;
  if (!r.ok) line["reason"] = r.error;
  audit_line(std::move(line));
  send(c, r);
}

void Server::Impl::write_client(Client& c) {
  while (!c.out.empty()) {
    const ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        c.out.clear();
        c.closing = true;
      }
      break;
    }
    c.out.erase(0, static_cast<size_t>(n));
  }
  if (c.out.size() > kMaxPendingOut) {
    c.out.clear();
    c.closing = true;
  }
}

Status Server::run() {
  Impl& I = *impl_;
  std::vector<pollfd> fds;
  std::vector<Client*> polled;
  for (;;) {
    const TimeNs now = monotonic_ns();
    // Timeouts first: a request not complete in time ends its connection.
    // A closing client that has not read its last answer by its deadline
    // is dropped without it.
    for (auto& c : I.clients) {
      if (now < c.deadline || c.busy) continue;
      if (c.closing) c.out.clear();
      else I.fail(c, fmt::format("no complete request within {} ms: closing", I.opts.read_timeout_ns / kNsPerMs),
                  "limit: read timeout");
    }
    for (auto& c : I.clients) I.write_client(c);
    for (auto it = I.clients.begin(); it != I.clients.end();)
      if (it->closing && it->out.empty()) {
        ::close(it->fd);
        it = I.clients.erase(it);
      } else {
        ++it;
      }
    TimeNs next = now + 60 * kNsPerSec;
    fds.clear();
    polled.clear();
    fds.push_back({I.stop_fd, POLLIN, 0});
    fds.push_back({I.signal_fd, POLLIN, 0});  // -1: ignored by poll
    fds.push_back({I.listen_fd, POLLIN, 0});
    fds.push_back({I.sims_fd, POLLIN, 0});
    for (auto& c : I.clients) {
      short ev = c.closing || c.busy ? 0 : POLLIN;
      if (!c.out.empty()) ev |= POLLOUT;
      fds.push_back({c.fd, ev, 0});
      polled.push_back(&c);
      if (!c.busy) next = std::min(next, c.deadline);
    }
    const int timeout_ms = static_cast<int>(std::max<TimeNs>(0, next - now) / kNsPerMs + 1);
    const int n = ::poll(fds.data(), fds.size(), timeout_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      return os_error("poll");
    }
    if (fds[0].revents) break;
    if (fds[1].revents) {
      signalfd_siginfo si{};
      bool end = false;
      while (::read(I.signal_fd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
        if (si.ssi_signo == SIGHUP) {
          if (auto st = I.reload(); !st) std::fprintf(stderr, "upschedd: %s\n", st.error().message.c_str());
        } else {
          end = true;
        }
      }
      if (end) break;
    }
    for (size_t i = 0; i < polled.size(); ++i) {
      const short re = fds[i + 4].revents;
      Client& c = *polled[i];
      if (c.busy) {
        if (re & (POLLHUP | POLLERR)) c.closing = true;  // gone: its session's answer will go nowhere
      } else if (c.closing) {
        if (re & (POLLHUP | POLLERR)) c.out.clear();  // nobody left to tell
      } else if (re & (POLLIN | POLLHUP | POLLERR)) {
        I.read_client(c);
      }
    }
    if (fds[3].revents & POLLIN) I.finish_sims();
    if (fds[2].revents & POLLIN) I.accept_clients();
  }
  I.audit_line({{"event", "stop"}, {"requests", I.requests}});
  return {};
}

}  // namespace ups::daemon
