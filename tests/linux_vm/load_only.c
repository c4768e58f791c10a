/* load_only.c: asks the guest's kernel for its verdict on BPF objects
 * without running them. Built static against libbpf by scripts/linux-vm.sh.
 *
 *   load_only OBJ.bpf.o...
 *
 * For each object: libbpf opens and loads it (the kernel verifies every
 * program and creates the struct_ops map), then closes it. A
 * `.struct_ops.link` map is only registered with the kernel when a link is
 * made, which this never does, so an accepted program that would misbehave
 * never runs. Prints, per object:
 *
 *   UPSVM-VBEGIN <name>
 *   UPSVM-VLOG <libbpf's and the verifier's messages>
 *   UPSVM-VRESULT <name> rc=<0 or -errno>
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

static int print_prefixed(enum libbpf_print_level level, const char *fmt, va_list args)
{
	static char buf[1 << 16];
	char *line, *save = NULL;

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, args);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		printf("UPSVM-VLOG %s\n", line);
	return 0;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

int main(int argc, char **argv)
{
	libbpf_set_print(print_prefixed);
	for (int i = 1; i < argc; i++) {
		char name[256];
		struct bpf_object *obj;
		int rc;

		snprintf(name, sizeof(name), "%s", base_name(argv[i]));
		char *dot = strstr(name, ".bpf.o");
		if (dot)
			*dot = 0;
		printf("UPSVM-VBEGIN %s\n", name);
		fflush(stdout);
		obj = bpf_object__open_file(argv[i], NULL);
		rc = libbpf_get_error(obj);
		if (!rc) {
			rc = bpf_object__load(obj);
			bpf_object__close(obj);
		}
		printf("UPSVM-VRESULT %s rc=%d\n", name, rc);
		fflush(stdout);
	}
	return 0;
}
