/* DPDK's BPF interpreter (librte_bpf) as a peer in interp_bench.
 *
 * DPDK's validator rejects every loop ("loops detected"), and every
 * benchmark program loops, so rte_bpf_load cannot take them. Its
 * interpreter runs any code, though: rte_bpf_exec() reads only the `prm`
 * member of struct rte_bpf (lib/bpf/bpf_impl.h in DPDK 22.11:
 * { struct rte_bpf_prm prm; struct rte_bpf_jit jit; size_t sz;
 *   uint32_t stack_sz; }). We build that struct ourselves around the same
 * bytecode, after checking the layout on a program DPDK did load, and
 * cross-check every result against upsched and native code. */
#include <rte_bpf.h>
#include <stdint.h>
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

void ups_dpdk_free(void *handle) {
  struct dpdk_bpf_mirror *m = handle;
  if (!m) return;
  free((void *)m->prm.ins);
  free(m);
}
