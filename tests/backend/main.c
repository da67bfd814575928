// SPDX-License-Identifier: GPL-2.0
/*
 * virtiofs-backend: a vhost-user-fs daemon serving one host directory.
 * This file only parses options, owns the listening socket and signals,
 * and hands each connected front end to vhost_user.c.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fs_fault.h"
#include "fs_fuzz.h"
#include "fs_server.h"
#include "log.h"
#include "vhost_user.h"

#define EXIT_USAGE	2

struct options {
	const char *socket_path;
	const char *shared_dir;
	const char *tag;
	enum fs_cache_mode cache;
	bool readonly;
	bool xattr;
	bool no_killpriv;
	bool writeback;
	unsigned int queues;
	const char *fault;
	const char *fuzz, *fuzz_log, *fuzz_notify_rate;
	uint64_t cache_size;
	unsigned int dax_max_mappings;
	bool dax_inode_sticky;
	bool notify;
	enum fs_watch_source notify_source;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: virtiofs-backend --socket-path PATH --shared-dir DIR [options]\n"
		"\n"
		"A vhost-user-fs back end serving DIR to one front end at a time.\n"
		"\n"
		"  --socket-path PATH     unix socket to listen on (a stale one is replaced)\n"
		"  --shared-dir DIR       host directory to share\n"
		"  --tag TAG              tag in the device config space (default myfs,\n"
		"                         at most %d bytes; only used if the front end asks)\n"
		"  --cache=none|auto|always  guest caching policy (default auto)\n"
		"  --readonly             refuse every modification\n"
		"  --queues N             request queues (default 1, at most %d)\n"
		"  --log-level LEVEL      error|warn|info|debug (default warn)\n"
		"  --fault SPEC           fault injection (testing), see fs_fault.h\n"
		"  --fuzz SEED[:RATE]     damage replies at random (testing), see fs_fuzz.h;\n"
		"                         SEED may be a list S1,S2,...; RATE default 0.05\n"
		"  --fuzz-log FILE        append the fuzzer's log there (default stderr)\n"
		"  --fuzz-notify-rate R   with --notify: the share of notify messages\n"
		"                         damaged (default: --fuzz's RATE)\n"
		"  --no-xattr             do not serve extended attributes\n"
		"  --no-killpriv          do not grant FUSE_HANDLE_KILLPRIV (the guest\n"
		"                         drops suid/sgid itself, by SETATTR)\n"
		"  --writeback            grant FUSE_WRITEBACK_CACHE: the guest keeps\n"
		"                         written data in its page cache and writes it\n"
		"                         back later (write-only opens become read-write)\n"
		"  --cache-size SIZE      DAX window size, e.g. 8G (0 = none, default)\n"
		"  --dax-max-mappings N   at most N window mappings at once; more are\n"
		"                         refused with ENOSPC, as when QEMU's memory\n"
		"                         table (512 regions) is full (tests)\n"
		"  --dax-inode sticky     per-inode DAX (guest mounts dax=inode): regular\n"
		"                         files with the sticky bit (chmod +t) use DAX\n"
		"  --notify[=HOW]         tell the guest of host-side changes: offer\n"
		"                         VIRTIO_FS_F_NOTIFICATION (queue 1 becomes the\n"
		"                         notification queue) and watch the share with\n"
		"                         HOW = fanotify, inotify, or auto (default:\n"
		"                         fanotify, else inotify)\n"
		"  --help                 this text\n",
		VU_TAG_MAX, VU_MAX_REQUEST_QUEUES);
}

__attribute__((noreturn, format(printf, 1, 2))) static void
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("virtiofs-backend: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'virtiofs-backend --help'.\n", stderr);
	exit(EXIT_USAGE);
}

/* "N[KMGT]" in binary units; false on anything else or overflow. */
static bool parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return false;
	if (*end) {
		const char *units = "KMGT", *u = strchr(units, *end & ~0x20);

		if (!u || !*u)
			return false;
		shift = 10 * (unsigned int)(u - units + 1);
		end++;
	}
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return false;
	*out = (uint64_t)v << shift;
	return true;
}

enum {
	OPT_SOCKET = 256, OPT_SHARED, OPT_TAG, OPT_CACHE, OPT_RO, OPT_QUEUES,
	OPT_LOG, OPT_FAULT, OPT_FUZZ, OPT_FUZZ_LOG, OPT_FUZZ_NRATE, OPT_NOXATTR,
	OPT_NOKILLPRIV, OPT_WRITEBACK, OPT_CACHE_SIZE, OPT_DAX_MAX_MAPPINGS,
	OPT_DAX_INODE, OPT_NOTIFY, OPT_HELP,
};

static void parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "socket-path", required_argument, NULL, OPT_SOCKET },
		{ "shared-dir", required_argument, NULL, OPT_SHARED },
		{ "tag", required_argument, NULL, OPT_TAG },
		{ "cache", required_argument, NULL, OPT_CACHE },
		{ "readonly", no_argument, NULL, OPT_RO },
		{ "queues", required_argument, NULL, OPT_QUEUES },
		{ "log-level", required_argument, NULL, OPT_LOG },
		{ "fault", required_argument, NULL, OPT_FAULT },
		{ "fuzz", required_argument, NULL, OPT_FUZZ },
		{ "fuzz-log", required_argument, NULL, OPT_FUZZ_LOG },
		{ "fuzz-notify-rate", required_argument, NULL, OPT_FUZZ_NRATE },
		{ "no-xattr", no_argument, NULL, OPT_NOXATTR },
		{ "no-killpriv", no_argument, NULL, OPT_NOKILLPRIV },
		{ "writeback", no_argument, NULL, OPT_WRITEBACK },
		{ "cache-size", required_argument, NULL, OPT_CACHE_SIZE },
		{ "dax-max-mappings", required_argument, NULL,
		  OPT_DAX_MAX_MAPPINGS },
		{ "dax-inode", required_argument, NULL, OPT_DAX_INODE },
		{ "notify", optional_argument, NULL, OPT_NOTIFY },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct fs_fault *fault;
	unsigned long n;
	struct stat st;
	char *end;
	int c, lvl;

	*o = (struct options){
		.tag = "myfs", .cache = FS_CACHE_AUTO, .xattr = true, .queues = 1,
	};
	opterr = 0;	/* our own messages, with the exit code we promise */
	/* "+": no argv permutation; ":": report a missing value as ':' */
	while ((c = getopt_long(argc, argv, "+:", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SOCKET:
			o->socket_path = optarg;
			break;
		case OPT_SHARED:
			o->shared_dir = optarg;
			break;
		case OPT_TAG:
			if (!*optarg || strlen(optarg) > VU_TAG_MAX)
				usage_error("--tag must be 1..%d bytes", VU_TAG_MAX);
			o->tag = optarg;
			break;
		case OPT_CACHE:
			if (!strcmp(optarg, "none"))
				o->cache = FS_CACHE_NONE;
			else if (!strcmp(optarg, "auto"))
				o->cache = FS_CACHE_AUTO;
			else if (!strcmp(optarg, "always"))
				o->cache = FS_CACHE_ALWAYS;
			else
				usage_error("--cache: '%s' is not none, auto or always",
					    optarg);
			break;
		case OPT_RO:
			o->readonly = true;
			break;
		case OPT_QUEUES:
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || *end || optarg[0] < '0' || optarg[0] > '9' ||
			    n < 1 || n > VU_MAX_REQUEST_QUEUES)
				usage_error("--queues: '%s' is not a number in 1..%d",
					    optarg, VU_MAX_REQUEST_QUEUES);
			o->queues = n;
			break;
		case OPT_LOG:
			lvl = log_level_parse(optarg);
			if (lvl < 0)
				usage_error("--log-level: '%s' is not error, warn, info or debug",
					    optarg);
			log_level = lvl;
			break;
		case OPT_FAULT:
			o->fault = optarg;
			break;
		case OPT_FUZZ:
			if (!fs_fuzz_spec_ok(optarg))
				usage_error("--fuzz: cannot parse '%s' (want SEED[:RATE] or SEED,SEED,...[:RATE], RATE in 0..1)",
					    optarg);
			o->fuzz = optarg;
			break;
		case OPT_FUZZ_LOG:
			o->fuzz_log = optarg;
			break;
		case OPT_FUZZ_NRATE:
			if (!fs_fuzz_rate_ok(optarg))
				usage_error("--fuzz-notify-rate: '%s' is not a fraction in 0..1",
					    optarg);
			o->fuzz_notify_rate = optarg;
			break;
		case OPT_NOXATTR:
			o->xattr = false;
			break;
		case OPT_NOKILLPRIV:
			o->no_killpriv = true;
			break;
		case OPT_WRITEBACK:
			o->writeback = true;
			break;
		case OPT_CACHE_SIZE:
			if (!parse_size(optarg, &o->cache_size))
				usage_error("--cache-size: '%s' is not a size (e.g. 0, 512M, 8G)",
					    optarg);
			/* the window is made of mmap()s: whole pages */
			if (o->cache_size % (uint64_t)sysconf(_SC_PAGESIZE))
				usage_error("--cache-size: '%s' is not a multiple of the page size",
					    optarg);
			/* QEMU 11.1 aborts on a region that is not (a BAR) */
			if (o->cache_size & (o->cache_size - 1))
				usage_error("--cache-size: '%s' is not a power of two (QEMU maps the window as a PCI BAR)",
					    optarg);
			break;
		case OPT_DAX_MAX_MAPPINGS:
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || !n || n > 4096)
				usage_error("--dax-max-mappings: '%s' is not a count (1..4096)",
					    optarg);
			o->dax_max_mappings = (unsigned int)n;
			break;
		case OPT_DAX_INODE:
			if (strcmp(optarg, "sticky"))
				usage_error("--dax-inode: '%s' is not a rule (sticky)",
					    optarg);
			o->dax_inode_sticky = true;
			break;
		case OPT_NOTIFY:
			o->notify = true;
			if (!optarg || !strcmp(optarg, "auto"))
				o->notify_source = FS_WATCH_AUTO;
			else if (!strcmp(optarg, "fanotify"))
				o->notify_source = FS_WATCH_FANOTIFY;
			else if (!strcmp(optarg, "inotify"))
				o->notify_source = FS_WATCH_INOTIFY;
			else
				usage_error("--notify: '%s' is not auto, fanotify or inotify",
					    optarg);
			break;
		case OPT_HELP:
			usage(stdout);
			exit(0);
		case ':':
			usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->socket_path)
		usage_error("--socket-path is required");
	if (!o->shared_dir)
		usage_error("--shared-dir is required");
	/* QEMU maps every window range writable: no way to keep it read-only */
	if (o->readonly && o->cache_size)
		usage_error("--readonly cannot be combined with --cache-size");
	if (o->fuzz_log && !o->fuzz)
		usage_error("--fuzz-log needs --fuzz");
	if (o->fuzz_notify_rate && !o->fuzz)
		usage_error("--fuzz-notify-rate needs --fuzz");
	if (o->dax_inode_sticky && !o->cache_size)
		usage_error("--dax-inode needs a window (--cache-size)");
	if (o->dax_max_mappings && !o->cache_size)
		usage_error("--dax-max-mappings needs a window (--cache-size)");
	errno = 0;
	if (stat(o->shared_dir, &st) < 0 || !S_ISDIR(st.st_mode))
		usage_error("--shared-dir %s: %s", o->shared_dir,
			    errno ? strerror(errno) : "not a directory");
	/* a bad --fault is a usage error too, not a failure to serve */
	if (o->fault) {
		if (fs_fault_parse(o->fault, &fault) < 0)
			usage_error("--fault: cannot parse '%s'", o->fault);
		fs_fault_free(fault);
	}
}

/* A stale socket refuses connections; a live one belongs to someone else. */
static bool socket_in_use(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool live;

	if (fd < 0)
		return false;
	live = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
	close(fd);
	return live;
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("socket path too long: %s", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	/* replace a socket left behind by a previous run, nothing else */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_err("%s exists and is not a socket", path);
			return -1;
		}
		if (socket_in_use(&sa)) {
			log_err("%s: another back end is listening there", path);
			return -1;
		}
		if (unlink(path) < 0) {
			log_err("removing stale %s: %s", path, strerror(errno));
			return -1;
		}
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err("socket: %s", strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 1) < 0) {
		log_err("listening on %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* -1: error; 0: got a connection in *conn; 1: a signal asked us to stop */
static int wait_for_front_end(int lfd, int sfd, int *conn)
{
	struct pollfd pfd[2] = {
		{ .fd = lfd, .events = POLLIN },
		{ .fd = sfd, .events = POLLIN },
	};

	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("poll: %s", strerror(errno));
			return -1;
		}
		if (pfd[1].revents)
			return 1;
		if (!pfd[0].revents)
			continue;
		*conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (*conn >= 0)
			return 0;
		if (errno != EINTR && errno != ECONNABORTED && errno != EAGAIN) {
			log_err("accept: %s", strerror(errno));
			return -1;
		}
	}
}

int main(int argc, char **argv)
{
	struct fs_config cfg = { 0 };
	struct fs_server *srv;
	struct vu_dev *dev;
	struct options o;
	sigset_t sigs;
	int lfd, sfd, conn, rc = 1;

	parse_args(argc, argv, &o);

	/* SIGTERM/SIGINT arrive through a signalfd; workers inherit the mask */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sfd = -1;
	if (sigprocmask(SIG_BLOCK, &sigs, NULL) == 0)
		sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sfd < 0) {
		log_err("signalfd: %s", strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);

	cfg.shared_dir = o.shared_dir;
	cfg.cache = o.cache;
	cfg.readonly = o.readonly;
	cfg.xattr = o.xattr;
	cfg.no_killpriv = o.no_killpriv;
	cfg.writeback = o.writeback;
	cfg.fault_spec = o.fault;
	cfg.fuzz_spec = o.fuzz;
	cfg.fuzz_log = o.fuzz_log;
	cfg.fuzz_notify_rate = o.fuzz_notify_rate;
	cfg.dax_inode_sticky = o.dax_inode_sticky;
	srv = fs_server_new(&cfg);
	if (!srv) {
		log_err("cannot serve %s: %s", o.shared_dir, strerror(errno));
		return 1;
	}
	dev = vu_dev_new(srv, o.tag, o.queues);
	if (!dev) {
		log_err("device setup: %s", strerror(errno));
		goto out_srv;
	}
	if (vu_dev_set_window(dev, o.cache_size) < 0) {
		log_err("--cache-size %" PRIu64 ": %s", o.cache_size,
			strerror(errno));
		goto out_dev;
	}
	vu_dev_set_max_mappings(dev, o.dax_max_mappings);
	if (o.notify) {
		int err = vu_dev_set_notify(dev, o.notify_source);

		if (err) {
			log_err("--notify: %s", strerror(-err));
			goto out_dev;
		}
	}
	lfd = listen_on(o.socket_path);
	if (lfd < 0)
		goto out_dev;
	log_info("listening on %s, sharing %s (tag %s, %u request queue%s)",
		 o.socket_path, o.shared_dir, o.tag, o.queues,
		 o.queues == 1 ? "" : "s");

	for (;;) {
		enum vu_serve_result r;
		int w = wait_for_front_end(lfd, sfd, &conn);

		if (w < 0)
			break;
		if (w > 0) {
			rc = 0;
			break;
		}
		log_info("front end connected");
		r = vu_serve(dev, conn, sfd);
		close(conn);
		if (r != VU_DISCONNECTED) {
			rc = 0;
			break;
		}
		/* the next front end starts from a clean file system session */
		fs_server_reset(srv);
	}
	if (rc == 0)
		log_info("exiting");
	close(lfd);
	unlink(o.socket_path);
out_dev:
	vu_dev_free(dev);
out_srv:
	fs_server_free(srv);
	close(sfd);
	return rc;
}
