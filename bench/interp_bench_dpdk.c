/* DPDK's BPF interpreter and x86-64 JIT (librte_bpf) as peers in interp_bench.
 *
 * DPDK's validator rejects every loop ("loops detected"), and every
 * benchmark program loops, so rte_bpf_load cannot take them. Its
 * interpreter runs any code, though: rte_bpf_exec() reads only the `prm`
 * member of struct rte_bpf (lib/bpf/bpf_impl.h in DPDK 22.11:
 * { struct rte_bpf_prm prm; struct rte_bpf_jit jit; size_t sz;
 *   uint32_t stack_sz; }). We build that struct ourselves around the same
 * bytecode, after checking the layout on a program DPDK did load, and
 * cross-check every result against upsched and native code.
 *
 * DPDK's JIT runs only inside rte_bpf_load, after the validator, so no
 * loop reaches it through the public API either; rte_bpf_get_jit only
 * hands out what rte_bpf_load made. Where the static librte_bpf.a is
 * installed (UPS_HAVE_DPDK_JIT) we call its internal bpf_jit() (the
 * function rte_bpf_load calls: lib/bpf/bpf_impl.h) on our struct, then
 * read the code back with rte_bpf_get_jit, as a DPDK user would. */
#include <rte_bpf.h>
#include <stdint.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>

struct dpdk_bpf_mirror {
  struct rte_bpf_prm prm;
  struct rte_bpf_jit jit;
  size_t sz;
  uint32_t stack_sz;
};

/* 0 if the layout assumption holds for the installed librte_bpf. */
int ups_dpdk_check_layout(void) {
  struct ebpf_insn ins[2];
  memset(ins, 0, sizeof ins);
  ins[0].code = 0xb7; /* r0 = 42 */
  ins[0].imm = 42;
  ins[1].code = 0x95; /* exit */
  struct rte_bpf_prm prm;
  memset(&prm, 0, sizeof prm);
  prm.ins = ins;
  prm.nb_ins = 2;
  prm.prog_arg.type = RTE_BPF_ARG_RAW;
  prm.prog_arg.size = sizeof(uint64_t);
  struct rte_bpf *b = rte_bpf_load(&prm);
  if (!b) return -1;
  const struct dpdk_bpf_mirror *m = (const struct dpdk_bpf_mirror *)b;
  int ok = m->prm.nb_ins == 2 && m->prm.ins != NULL && m->prm.ins[0].imm == 42 && rte_bpf_exec(b, NULL) == 42;
  rte_bpf_destroy(b);
  return ok ? 0 : -1;
}

/* A runnable handle over `n` instructions at `code` (copied). */
void *ups_dpdk_prepare(const void *code, uint32_t n) {
  struct dpdk_bpf_mirror *m = calloc(1, sizeof *m);
  struct ebpf_insn *ins = malloc(n * sizeof *ins);
  if (!m || !ins) {
    free(m);
    free(ins);
    return NULL;
  }
  memcpy(ins, code, n * sizeof *ins);
  m->prm.ins = ins;
  m->prm.nb_ins = n;
  m->prm.prog_arg.type = RTE_BPF_ARG_PTR;
  m->stack_sz = 512;
  return m;
}

uint64_t ups_dpdk_exec(const void *handle, void *ctx) { return rte_bpf_exec((const struct rte_bpf *)handle, ctx); }

#ifdef UPS_HAVE_DPDK_JIT
int bpf_jit(struct rte_bpf *bpf); /* DPDK internal (bpf_impl.h), from librte_bpf.a */

/* DPDK's JITed function for the handle's code, or NULL. */
void *ups_dpdk_jit(void *handle) {
  struct rte_bpf_jit jit;
  if (!handle || bpf_jit((struct rte_bpf *)handle) != 0) return NULL;
  if (rte_bpf_get_jit((const struct rte_bpf *)handle, &jit) != 0) return NULL;
  return (void *)jit.func;
}
#else
void *ups_dpdk_jit(void *handle) {
  (void)handle;
  return NULL;
}
#endif

uint64_t ups_dpdk_jit_exec(void *fn, void *ctx) { return ((uint64_t(*)(void *))fn)(ctx); }

void ups_dpdk_free(void *handle) {
  struct dpdk_bpf_mirror *m = handle;
  if (!m) return;
  if (m->jit.func) munmap((void *)m->jit.func, m->jit.sz);
  free((void *)m->prm.ins);
  free(m);
}
