/* workload.c: the workload scripts/linux-vm.sh runs inside the sched_ext
 * guest under each policy. Built with gcc -static (the guest has no libc).
 *
 *   workload SECONDS SLEEP_US NAME:KIND:NICE...
 *
 * Each task is a child process: KIND "busy" spins until the deadline, KIND
 * "sleep" sleeps SLEEP_US in a loop and measures how late each wakeup is
 * (the time from the end of the requested sleep to running again: the
 * scheduler's wakeup latency plus timer slack). At the end each child
 * reports its CPU time (getrusage) and, for sleepers, its latencies through
 * a pipe; the parent prints one JSON object on one line:
 *
 *   {"wall_ms":..,"tasks":[{"name":..,"kind":..,"nice":..,"cpu_ms":..,
 *     "share":..,"wakeups":..,"lat_p50_us":..,"lat_p99_us":..,"lat_max_us":..,
 *     "cpu_ms_on":[..],"switches":..,"preempted":..,"runs":..,"run_max_ms":..}]}
 *
 * share is the task's CPU time over the CPU time of all tasks of the run,
 * so it does not depend on how fast the emulated CPU is. The rest is the
 * per-task view of where and how a spinner ran, to tell which task held
 * which CPU: cpu_ms_on[c] is its CPU time on CPU c (sched_getcpu sampled
 * between chunks of work), switches and preempted are the kernel's
 * voluntary and involuntary context switches (getrusage), runs the number
 * of stretches it ran without a gap of more than 1 ms of wall time, and
 * run_max_ms the longest of them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_TASKS 16
#define MAX_SAMPLES 4096
#define MAX_CPUS 8
#define GAP_S 1e-3

struct task_spec {
	char name[32];
	int busy;
	int nice;
};

struct task_result {
	double cpu_ms;
	unsigned wakeups;
	double lat_p50_us, lat_p99_us, lat_max_us;
	double cpu_ms_on[MAX_CPUS];
	long switches, preempted;
	unsigned runs;
	double run_max_ms;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double thread_cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

static void usage_self(struct task_result *out)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	out->cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
		      (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-3;
	out->switches = ru.ru_nvcsw;
	out->preempted = ru.ru_nivcsw;
}

/* One chunk of spinning done: charge its CPU time to the CPU it ended on,
 * and close the current run if wall time jumped (the task was off-CPU). */
static void account_chunk(struct task_result *out, double *last_wall, double *last_cpu,
			  double *run_start)
{
	double wall = now_s(), cpu = thread_cpu_ms();
	int c = sched_getcpu();

	if (c >= 0 && c < MAX_CPUS)
		out->cpu_ms_on[c] += cpu - *last_cpu;
	if (wall - *last_wall > GAP_S) {
		double run_ms = (*last_wall - *run_start) * 1e3;

		if (run_ms > out->run_max_ms)
			out->run_max_ms = run_ms;
		out->runs++;
		*run_start = wall;
	}
	*last_wall = wall;
	*last_cpu = cpu;
}

static void run_task(const struct task_spec *t, double deadline, long sleep_us,
		     struct task_result *out)
{
	static double lat[MAX_SAMPLES];
	unsigned n = 0;

	memset(out, 0, sizeof(*out));
	if (t->busy) {
		volatile unsigned long spin = 0;
		double last_wall = now_s(), last_cpu = thread_cpu_ms(), run_start = last_wall;

		out->runs = 1;
		while (last_wall < deadline) {
			for (int i = 0; i < 10000; i++)
				spin++;
			account_chunk(out, &last_wall, &last_cpu, &run_start);
		}
		if ((last_wall - run_start) * 1e3 > out->run_max_ms)
			out->run_max_ms = (last_wall - run_start) * 1e3;
	} else {
		struct timespec req = { sleep_us / 1000000, (sleep_us % 1000000) * 1000 };

		while (now_s() < deadline) {
			double t0 = now_s();

			nanosleep(&req, NULL);
			double late = (now_s() - t0) * 1e6 - sleep_us;
			if (n < MAX_SAMPLES)
				lat[n++] = late < 0 ? 0 : late;
		}
		if (n) {
			qsort(lat, n, sizeof(lat[0]), cmp_double);
			out->lat_p50_us = lat[n / 2];
			out->lat_p99_us = lat[(n * 99) / 100];
			out->lat_max_us = lat[n - 1];
		}
	}
	out->wakeups = n;
	usage_self(out);
}

static int parse_task(const char *arg, struct task_spec *t)
{
	char kind[16];

	if (sscanf(arg, "%31[^:]:%15[^:]:%d", t->name, kind, &t->nice) != 3)
		return -1;
	if (!strcmp(kind, "busy"))
		t->busy = 1;
	else if (!strcmp(kind, "sleep"))
		t->busy = 0;
	else
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct task_spec specs[MAX_TASKS];
	struct task_result res[MAX_TASKS];
	pid_t pids[MAX_TASKS];
	int fds[MAX_TASKS];
	int n = argc - 3;

	if (argc < 4 || n > MAX_TASKS) {
		fprintf(stderr, "usage: %s SECONDS SLEEP_US NAME:busy|sleep:NICE... (at most %d)\n",
			argv[0], MAX_TASKS);
		return 2;
	}
	double seconds = atof(argv[1]);
	long sleep_us = atol(argv[2]);
	for (int i = 0; i < n; i++) {
		if (parse_task(argv[i + 3], &specs[i])) {
			fprintf(stderr, "workload: bad task '%s' (want NAME:busy|sleep:NICE)\n",
				argv[i + 3]);
			return 2;
		}
	}

	double start = now_s(), deadline = start + seconds;
	for (int i = 0; i < n; i++) {
		int p[2];

		if (pipe(p)) {
			perror("workload: pipe");
			return 1;
		}
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("workload: fork");
			return 1;
		}
		if (pids[i] == 0) {
			struct task_result r;

			close(p[0]);
			if (setpriority(PRIO_PROCESS, 0, specs[i].nice))
				perror("workload: setpriority");
			run_task(&specs[i], deadline, sleep_us, &r);
			if (write(p[1], &r, sizeof(r)) != sizeof(r))
				_exit(1);
			_exit(0);
		}
		close(p[1]);
		fds[i] = p[0];
	}

	double total_cpu = 0;
	int failed = 0;
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	int ncpus = online < 1 ? 1 : online > MAX_CPUS ? MAX_CPUS : (int)online;
	for (int i = 0; i < n; i++) {
		if (read(fds[i], &res[i], sizeof(res[i])) != sizeof(res[i])) {
			memset(&res[i], 0, sizeof(res[i]));
			failed = 1;
		}
		close(fds[i]);
		waitpid(pids[i], NULL, 0);
		total_cpu += res[i].cpu_ms;
	}

	printf("{\"wall_ms\":%.1f,\"complete\":%s,\"tasks\":[", (now_s() - start) * 1e3,
	       failed ? "false" : "true");
	for (int i = 0; i < n; i++) {
		printf("%s{\"name\":\"%s\",\"kind\":\"%s\",\"nice\":%d,\"cpu_ms\":%.1f,"
		       "\"share\":%.4f,\"wakeups\":%u,\"lat_p50_us\":%.0f,"
		       "\"lat_p99_us\":%.0f,\"lat_max_us\":%.0f,\"cpu_ms_on\":[",
		       i ? "," : "", specs[i].name, specs[i].busy ? "busy" : "sleep", specs[i].nice,
		       res[i].cpu_ms, total_cpu > 0 ? res[i].cpu_ms / total_cpu : 0.0,
		       res[i].wakeups, res[i].lat_p50_us, res[i].lat_p99_us, res[i].lat_max_us);
		for (int c = 0; c < ncpus; c++)
			printf("%s%.1f", c ? "," : "", res[i].cpu_ms_on[c]);
		printf("],\"switches\":%ld,\"preempted\":%ld,\"runs\":%u,\"run_max_ms\":%.1f}",
		       res[i].switches, res[i].preempted, res[i].runs, res[i].run_max_ms);
	}
	printf("]}\n");
	return failed;
}
