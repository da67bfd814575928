// SPDX-License-Identifier: GPL-2.0
/*
 * vng-watch: the guest side of the host-change tests (issue 14), built
 * static for the test VM.
 *
 *   vng-watch [-r] [-n MAX] DIR...
 *       like inotifywait -m [-r]: one line per event on stdout,
 *       "EV <CLOCK_REALTIME ns> <EVENT[|EVENT...]> <path>[ cookie=N]",
 *       flushed at once (the cookie pairs MOVED_FROM with MOVED_TO); with -r new directories are watched as they appear.  "READY"
 *       once every watch is set.  Ends after MAX events, or on SIGTERM.
 *   vng-watch host TTY COMMAND...
 *       sends COMMAND (words joined by spaces) to the host hook over the
 *       serial line TTY and prints its one-line answer ("OK ..." exits 0).
 *   vng-watch bench TTY DIR FILE N [SPREAD_MS]
 *       N times: ask the host to append to DIR/FILE (relative to the
 *       share: FILE) and time from the host's write (its clock, mapped to
 *       ours by the ping before: error +- half that ping's round trip)
 *       to IN_MODIFY here (timed by a thread blocked in read()).  With
 *       SPREAD_MS, each change waits a random 0..SPREAD_MS first: a
 *       poller's tick fires the event, so without it every change would
 *       follow a tick at once and wait a whole interval for the next
 *       (set it to the poll interval).  An event later than 2 s, or
 *       4 x SPREAD_MS, counts as lost.  Prints
 *       "LAT i ns trip ns err ns" per change and "BENCH ..." summary
 *       lines (median, p99): host-write-to-event, request-to-event (the
 *       whole round, serial line included), ping, clock-error.
 *   vng-watch setcap FILE
 *       gives FILE a file capability (security.capability: a v2 set with
 *       CAP_NET_BIND_SERVICE), as setcap(8) would; busybox has no setfattr.
 *   vng-watch hascap FILE
 *       exits 0 if FILE has a file capability, 1 if it has none.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/xattr.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MAXW	4096

static struct {
	int wd;
	char *path;
} watches[MAXW];
static int nwatches;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const char *wd_path(int wd)
{
	for (int i = 0; i < nwatches; i++)
		if (watches[i].wd == wd)
			return watches[i].path;
	return "?";
}

#define MASK (IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_MOVED_FROM | \
	      IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_CLOSE_WRITE)

static int add_watch(int fd, const char *path, bool recursive, bool only_dir);

static int add_tree(int fd, const char *path)
{
	char cmd[PATH_MAX + 64], line[PATH_MAX];
	FILE *f;

	/* busybox find lists the subdirectories; simpler than nftw here */
	snprintf(cmd, sizeof(cmd), "find '%s' -mindepth 1 -type d", path);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		add_watch(fd, line, false, true);
	}
	return pclose(f) == 0 ? 0 : -1;
}

/* only_dir: a directory found in the tree (not what it was replaced by) */
static int add_watch(int fd, const char *path, bool recursive, bool only_dir)
{
	int wd = inotify_add_watch(fd, path, MASK | (only_dir ? IN_ONLYDIR : 0));

	if (wd < 0) {
		fprintf(stderr, "vng-watch: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < nwatches; i++) {
		if (watches[i].wd == wd) {	/* a directory moved: new path */
			free(watches[i].path);
			watches[i].path = strdup(path);
			return 0;
		}
	}
	if (nwatches < MAXW) {
		watches[nwatches].wd = wd;
		watches[nwatches].path = strdup(path);
		nwatches++;
	}
	return recursive ? add_tree(fd, path) : 0;
}

static void mask_names(uint32_t m, char *buf, size_t len)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{ IN_CREATE, "CREATE" }, { IN_DELETE, "DELETE" },
		{ IN_MODIFY, "MODIFY" }, { IN_ATTRIB, "ATTRIB" },
		{ IN_MOVED_FROM, "MOVED_FROM" }, { IN_MOVED_TO, "MOVED_TO" },
		{ IN_DELETE_SELF, "DELETE_SELF" }, { IN_MOVE_SELF, "MOVE_SELF" },
		{ IN_CLOSE_WRITE, "CLOSE_WRITE" }, { IN_IGNORED, "IGNORED" },
		{ IN_Q_OVERFLOW, "Q_OVERFLOW" }, { IN_UNMOUNT, "UNMOUNT" },
		{ IN_ISDIR, "ISDIR" },
	};
	size_t used = 0;

	buf[0] = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(m & names[i].bit))
			continue;
		used += snprintf(buf + used, len - used, "%s%s",
				 used ? "|" : "", names[i].name);
		if (used >= len)
			break;
	}
}

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int watch_main(int argc, char **argv)
{
	bool recursive = false;
	long max = -1, seen = 0;
	char buf[65536] __attribute__((aligned(8)));
	int fd, i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-r"))
			recursive = true;
		else if (!strcmp(argv[i], "-n") && i + 1 < argc)
			max = atol(argv[++i]);
		else
			return 2;
	}
	if (i >= argc)
		return 2;
	/* no SA_RESTART: the blocking read() must end on SIGTERM */
	sigaction(SIGTERM, &(struct sigaction){ .sa_handler = on_term }, NULL);
	sigaction(SIGINT, &(struct sigaction){ .sa_handler = on_term }, NULL);
	fd = inotify_init1(IN_CLOEXEC);
	if (fd < 0)
		return 1;
	for (; i < argc; i++)
		if (add_watch(fd, argv[i], recursive, recursive) < 0)
			return 1;
	printf("READY\n");
	fflush(stdout);
	while (!stop && (max < 0 || seen < max)) {
		ssize_t n = read(fd, buf, sizeof(buf));
		uint64_t t = now_ns();

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (void *)p;
			char names[128], path[PATH_MAX * 2];
			const char *dir = wd_path(ev->wd);

			mask_names(ev->mask, names, sizeof(names));
			if (ev->len)
				snprintf(path, sizeof(path), "%s/%s", dir, ev->name);
			else
				snprintf(path, sizeof(path), "%s", dir);
			/* watched before it is printed: a test may go on then */
			if (recursive && (ev->mask & IN_ISDIR) &&
			    (ev->mask & (IN_CREATE | IN_MOVED_TO)))
				add_watch(fd, path, true, true);
			if (ev->cookie)
				printf("EV %llu %s %s cookie=%u\n",
				       (unsigned long long)t, names, path,
				       ev->cookie);
			else
				printf("EV %llu %s %s\n", (unsigned long long)t,
				       names, path);
			seen++;
			p += sizeof(*ev) + ev->len;
		}
		fflush(stdout);
	}
	return 0;
}

/* ---- the serial line to the host hook ---- */

static int tty_open(const char *tty)
{
	struct termios t;
	int fd = open(tty, O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0 || tcgetattr(fd, &t) < 0) {
		fprintf(stderr, "vng-watch: %s: %s\n", tty, strerror(errno));
		return -1;
	}
	cfmakeraw(&t);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		return -1;
	return fd;
}

/* Reads one line (without \n) within ms; -1 on timeout or error. */
static int tty_line(int fd, char *buf, size_t len, int ms)
{
	size_t n = 0;
	uint64_t end = now_ns() + (uint64_t)ms * 1000000ull;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t t = now_ns();
		char c;

		if (t >= end || poll(&p, 1, (int)((end - t) / 1000000ull) + 1) <= 0)
			return -1;
		if (read(fd, &c, 1) != 1)
			return -1;
		if (c == '\r')
			continue;
		if (c == '\n') {
			buf[n] = 0;
			return 0;
		}
		if (n + 1 < len)
			buf[n++] = c;
	}
}

/* One command, one answer; 0 if the answer starts with "OK". */
static int host_cmd(int fd, const char *cmd, char *ans, size_t len)
{
	size_t l = strlen(cmd);

	if (write(fd, cmd, l) != (ssize_t)l || write(fd, "\n", 1) != 1)
		return -1;
	if (tty_line(fd, ans, len, 20000) < 0) {
		snprintf(ans, len, "no answer from the host hook");
		return -1;
	}
	return strncmp(ans, "OK", 2) ? -1 : 0;
}

static int host_main(int argc, char **argv)
{
	char cmd[4096] = "", ans[4096];
	int fd;

	if (argc < 4)
		return 2;
	fd = tty_open(argv[2]);
	if (fd < 0)
		return 1;
	for (int i = 3; i < argc; i++) {
		strncat(cmd, argv[i], sizeof(cmd) - strlen(cmd) - 2);
		if (i + 1 < argc)
			strcat(cmd, " ");
	}
	if (host_cmd(fd, cmd, ans, sizeof(ans)) < 0) {
		printf("%s\n", ans);
		return 1;
	}
	printf("%s\n", ans);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void summary(const char *what, uint64_t *v, int n, int lost)
{
	if (!n) {
		printf("BENCH %s n=0 lost=%d\n", what, lost);
		return;
	}
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	printf("BENCH %s n=%d lost=%d median_us=%llu p99_us=%llu max_us=%llu\n",
	       what, n, lost, (unsigned long long)v[n / 2] / 1000,
	       (unsigned long long)v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] / 1000,
	       (unsigned long long)v[n - 1] / 1000);
}

/*
 * The bench's inotify reader: a thread of its own, so each event is
 * timed when it arrives, not when the main thread gets round to it.
 */
#define EV_RING	4096
static struct {
	int fd;
	uint64_t t[EV_RING];
	unsigned int count;	/* atomic: events seen */
} evr;

static void *ev_reader(void *arg)
{
	char buf[4096] __attribute__((aligned(8)));

	(void)arg;
	for (;;) {
		ssize_t n = read(evr.fd, buf, sizeof(buf));
		uint64_t t = now_ns();
		unsigned int c = __atomic_load_n(&evr.count, __ATOMIC_RELAXED);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL;
		evr.t[c % EV_RING] = t;
		__atomic_store_n(&evr.count, c + 1, __ATOMIC_RELEASE);
	}
}

/* The first event after the c-th, within ms: its time, 0 if none. */
static uint64_t ev_after(unsigned int c, unsigned int ms)
{
	for (unsigned int i = 0; i < ms * 10; i++) {
		if (__atomic_load_n(&evr.count, __ATOMIC_ACQUIRE) > c)
			return evr.t[c % EV_RING];
		usleep(100);
	}
	return 0;
}

/*
 * The host's clock in the guest's terms: a ping's answer carries the
 * host's time h, taken between our t0 and t1, so host - guest is
 * h - (t0 + t1) / 2, within +-(t1 - t0) / 2.  The ping with the smallest
 * round trip among the last OFF_WIN gives the estimate (the clocks may
 * drift apart slowly under TCG: recent ones only).
 */
#define OFF_WIN	16

static int bench_main(int argc, char **argv)
{
	char ans[256], cmd[PATH_MAX + 64], path[PATH_MAX];
	int64_t off[OFF_WIN];
	uint64_t rtt[OFF_WIN], *lat, *ping, *trip, *err;
	int tty, n, got = 0, lost = 0, pings = 0, bad = 0, spread = 0;
	unsigned int seed = (unsigned int)now_ns(), wait_ms = 2000;
	pthread_t th;

	if (argc != 6 && argc != 7)
		return 2;
	n = atoi(argv[5]);
	if (argc == 7)
		spread = atoi(argv[6]);
	if (n <= 0 || spread < 0 || spread > 600000)
		return 2;
	if (spread * 4 > 2000)
		wait_ms = spread * 4;
	lat = calloc((size_t)n, sizeof(*lat));
	trip = calloc((size_t)n, sizeof(*trip));
	err = calloc((size_t)n, sizeof(*err));
	ping = calloc((size_t)n + OFF_WIN, sizeof(*ping));
	tty = tty_open(argv[2]);
	evr.fd = inotify_init1(IN_CLOEXEC);
	snprintf(path, sizeof(path), "%s/%s", argv[3], argv[4]);
	if (!lat || !trip || !err || !ping || tty < 0 || evr.fd < 0 ||
	    inotify_add_watch(evr.fd, path, IN_MODIFY) < 0 ||
	    pthread_create(&th, NULL, ev_reader, NULL)) {
		fprintf(stderr, "vng-watch bench: setup of %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	for (int i = 0; i < n + OFF_WIN; i++) {
		uint64_t t0, t1, h, best = UINT64_MAX;
		int64_t o = 0;
		unsigned int c;

		/* a random phase against a poller's ticks */
		if (spread && i >= OFF_WIN)
			usleep((useconds_t)(rand_r(&seed) % ((unsigned int)spread * 1000u)));
		/* a ping: the round trip, and the clock offset */
		t0 = now_ns();
		if (host_cmd(tty, "ping", ans, sizeof(ans)) < 0) {
			fprintf(stderr, "vng-watch bench: ping: %s\n", ans);
			return 1;
		}
		t1 = now_ns();
		h = strtoull(ans + 3, NULL, 10);
		ping[pings++] = t1 - t0;
		rtt[i % OFF_WIN] = t1 - t0;
		off[i % OFF_WIN] = (int64_t)(h - (t0 + (t1 - t0) / 2));
		if (i < OFF_WIN)
			continue;
		for (int k = 0; k < OFF_WIN; k++) {
			if (rtt[k] < best) {
				best = rtt[k];
				o = off[k];
			}
		}
		/* a change: host time of the write, guest time of its event */
		c = __atomic_load_n(&evr.count, __ATOMIC_ACQUIRE);
		snprintf(cmd, sizeof(cmd), "append %s %d", argv[4], i - OFF_WIN);
		t0 = now_ns();
		if (host_cmd(tty, cmd, ans, sizeof(ans)) < 0) {
			fprintf(stderr, "vng-watch bench: %s: %s\n", cmd, ans);
			return 1;
		}
		h = strtoull(ans + 3, NULL, 10);
		t1 = ev_after(c, wait_ms);
		if (!t1) {
			lost++;
			printf("LAT %d lost\n", i - OFF_WIN);
			continue;
		}
		/* the host's write time on the guest's clock */
		h -= (uint64_t)o;
		if (t1 < h) {
			bad++;	/* inside the estimate's error: count as 0 */
			h = t1;
		}
		lat[got] = t1 - h;
		trip[got] = t1 - t0;
		err[got] = best / 2;
		printf("LAT %d %llu trip %llu err %llu\n", i - OFF_WIN,
		       (unsigned long long)lat[got], (unsigned long long)trip[got],
		       (unsigned long long)err[got]);
		got++;
	}
	summary("ping", ping, pings, 0);
	summary("clock-error", err, got, 0);
	summary("request-to-event", trip, got, lost);
	summary("host-write-to-event", lat, got, lost);
	printf("BENCH below-zero n=%d\n", bad);
	return lost ? 1 : 0;
}

static int setcap_main(int argc, char **argv)
{
	/* magic 0x02000000 | effective, permitted (bit 10), inheritable */
	uint32_t caps[5] = { 0x02000001, 1u << 10, 0, 0, 0 };

	if (argc != 3)
		return 2;
	if (setxattr(argv[2], "security.capability", caps, sizeof(caps), 0)) {
		fprintf(stderr, "setcap %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	return 0;
}

static int hascap_main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	if (getxattr(argv[2], "security.capability", NULL, 0) >= 0)
		return 0;
	if (errno == ENODATA)
		return 1;
	fprintf(stderr, "hascap %s: %s\n", argv[2], strerror(errno));
	return 3;
}

int main(int argc, char **argv)
{
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "host"))
		r = host_main(argc, argv);
	else if (argc > 1 && !strcmp(argv[1], "bench"))
		r = bench_main(argc, argv);
	else if (argc > 1 && !strcmp(argv[1], "setcap"))
		r = setcap_main(argc, argv);
	else if (argc > 1 && !strcmp(argv[1], "hascap"))
		r = hascap_main(argc, argv);
	else
		r = watch_main(argc, argv);
	if (r == 2)
		fprintf(stderr, "usage: vng-watch [-r] [-n MAX] DIR... | host TTY CMD... | bench TTY DIR FILE N [SPREAD_MS] | setcap FILE | hascap FILE\n");
	return r;
}
