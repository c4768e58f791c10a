/* register.c: the guest's loader for upsched's policies. Loads one object,
 * registers its struct_ops scheduler and keeps it registered until SIGINT or
 * SIGTERM, as a scheduler's own loader does (Linux's tools/sched_ext ones
 * too). Built static against libbpf by scripts/linux-vm.sh.
 *
 *   register OBJ.bpf.o
 *
 * Why not `bpftool struct_ops register`: bpftool exits once the link is
 * pinned, and when the last user-space reference to a map is dropped the
 * kernel cancels the BPF timers it holds. central's 1 ms timer, which
 * preempts the non-central CPUs, then stopped about 150 ms after the load,
 * and one spinner kept the other CPU for the rest of the run (the gap that
 * docs/fidelity.md blamed on TCG until the guest's per-task view showed it).
 *
 * libbpf's messages (the verifier's log when Linux refuses a program) go to
 * stderr. Exit status: 1 when the object cannot be opened, loaded or
 * attached; 0 after a signal, once the links are destroyed.
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#define MAX_LINKS 8

static volatile sig_atomic_t stop_requested;

static void request_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

int main(int argc, char **argv)
{
	struct bpf_link *links[MAX_LINKS];
	struct bpf_object *obj;
	struct bpf_map *map;
	sigset_t stop_signals, unblocked;
	int nr_links = 0, rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OBJ.bpf.o\n", argv[0]);
		return 2;
	}
	/* Blocked until the wait below, so that a stop that comes during the
	 * load is neither lost nor able to slip in before the wait. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop_signals, &unblocked);
	signal(SIGINT, request_stop);
	signal(SIGTERM, request_stop);

	obj = bpf_object__open_file(argv[1], NULL);
	if (libbpf_get_error(obj)) {
		fprintf(stderr, "register: cannot open %s\n", argv[1]);
		return 1;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "register: Linux refused %s\n", argv[1]);
		bpf_object__close(obj);
		return 1;
	}
	bpf_object__for_each_map(map, obj) {
		if (bpf_map__type(map) != BPF_MAP_TYPE_STRUCT_OPS)
			continue;
		if (nr_links == MAX_LINKS) {
			fprintf(stderr, "register: more than %d struct_ops maps\n", MAX_LINKS);
			rc = 1;
			break;
		}
		links[nr_links] = bpf_map__attach_struct_ops(map);
		if (libbpf_get_error(links[nr_links])) {
			fprintf(stderr, "register: cannot attach %s\n", bpf_map__name(map));
			rc = 1;
			break;
		}
		printf("register: attached %s\n", bpf_map__name(map));
		nr_links++;
	}
	fflush(stdout);
	while (!rc && !stop_requested)
		sigsuspend(&unblocked);
	while (nr_links > 0)
		bpf_link__destroy(links[--nr_links]);
	bpf_object__close(obj);
	return rc;
}
