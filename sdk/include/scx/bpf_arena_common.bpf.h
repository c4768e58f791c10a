/* scx/bpf_arena_common.bpf.h: BPF arenas for policies, upsched's own text
 * with the kernel's names (Linux's tools/sched_ext/include/scx).
 *
 * An arena is a map (BPF_MAP_TYPE_ARENA) reserving up to 4 GiB of address
 * space whose pages a policy populates with bpf_arena_alloc_pages and
 * returns with bpf_arena_free_pages. Pointers into it are `__arena`
 * pointers: clang 18+ (__BPF_FEATURE_ADDR_SPACE_CAST) emits the
 * addr_space_cast instructions itself; older compilers get them from
 * cast_kern()/cast_user(). upsched confines every arena access to the
 * arena at run time (docs/bpf-arena.md), as Linux does.
 *
 * can_loop / cond_break emit may_goto: a loop containing one is bounded by
 * a per-frame budget the verifier need not prove.
 */
#pragma once

#ifndef PAGE_SIZE
#define PAGE_SIZE __PAGE_SIZE
#endif

#if defined(__BPF_FEATURE_ADDR_SPACE_CAST) && !defined(BPF_ARENA_FORCE_ASM)
#ifndef __arena
#define __arena __attribute__((address_space(1)))
#endif
#define __arena_global __attribute__((address_space(1)))
#define cast_kern(ptr) /* emitted by the compiler */
#define cast_user(ptr) /* emitted by the compiler */
#else

/* rX = addr_space_cast(rX, dst_as, src_as): MOV64 X with off = 1 and
 * imm = dst_as << 16 | src_as, spelled in bytes for assemblers that do not
 * know the mnemonic. */
#ifndef bpf_addr_space_cast
#define bpf_addr_space_cast(var, dst_as, src_as)                               \
  asm volatile(".byte 0xBF;\n"                                                 \
               ".ifc %[reg], r0\n .byte 0x00\n .endif\n"                       \
               ".ifc %[reg], r1\n .byte 0x11\n .endif\n"                       \
               ".ifc %[reg], r2\n .byte 0x22\n .endif\n"                       \
               ".ifc %[reg], r3\n .byte 0x33\n .endif\n"                       \
               ".ifc %[reg], r4\n .byte 0x44\n .endif\n"                       \
               ".ifc %[reg], r5\n .byte 0x55\n .endif\n"                       \
               ".ifc %[reg], r6\n .byte 0x66\n .endif\n"                       \
               ".ifc %[reg], r7\n .byte 0x77\n .endif\n"                       \
               ".ifc %[reg], r8\n .byte 0x88\n .endif\n"                       \
               ".ifc %[reg], r9\n .byte 0x99\n .endif\n"                       \
               ".short %[off]\n"                                               \
               ".long %[as]"                                                   \
               : [reg] "+r"(var)                                               \
               : [off] "i"(BPF_ADDR_SPACE_CAST), [as] "i"((dst_as << 16) | src_as))
#endif

#define __arena
#define __arena_global SEC(".addr_space.1")
#define cast_kern(ptr) bpf_addr_space_cast(ptr, 0, 1)
#define cast_user(ptr) bpf_addr_space_cast(ptr, 1, 0)
#endif

void __arena *bpf_arena_alloc_pages(void *map, void __arena *addr, __u32 page_cnt,
                                    int node_id, __u64 flags) __ksym __weak;
void bpf_arena_free_pages(void *map, void __arena *ptr, __u32 page_cnt) __ksym __weak;
int bpf_arena_reserve_pages(void *map, void __arena *ptr, __u32 page_cnt) __ksym __weak;

/* can_loop is true until the frame's may_goto budget runs out; cond_break
 * leaves the enclosing loop then. cond_break only works inside a breakable
 * construct, can_loop anywhere. */
#ifdef SCX_BPF_UNITTEST
#define can_loop true
#define __cond_break(expr) expr
#else
#ifdef __BPF_FEATURE_MAY_GOTO
#define can_loop                                                               \
  ({                                                                           \
    __label__ l_break, l_continue;                                             \
    bool ret = true;                                                           \
    asm volatile goto("may_goto %l[l_break]" :::: l_break);             \
    goto l_continue;                                                           \
  l_break:                                                                     \
    ret = false;                                                               \
  l_continue:;                                                                 \
    ret;                                                                       \
  })
#define __cond_break(expr)                                                     \
  ({                                                                           \
    __label__ l_break, l_continue;                                             \
    asm volatile goto("may_goto %l[l_break]" :::: l_break);             \
    goto l_continue;                                                           \
  l_break:                                                                     \
    expr;                                                                      \
  l_continue:;                                                                 \
  })
#else
/* JMP|JCOND (0xe5), the offset in insns to l_break in the 16-bit field
 * (little-endian hosts only, as upsched runs on x86-64). */
#define can_loop                                                               \
  ({                                                                           \
    __label__ l_break, l_continue;                                             \
    bool ret = true;                                                           \
    asm volatile goto("1:.byte 0xe5\n .byte 0\n .long ((%l[l_break] - 1b - 8) / 8) & 0xffff\n .short 0" :::: l_break);\
    goto l_continue;                                                           \
  l_break:                                                                     \
    ret = false;                                                               \
  l_continue:;                                                                 \
    ret;                                                                       \
  })
#define __cond_break(expr)                                                     \
  ({                                                                           \
    __label__ l_break, l_continue;                                             \
    asm volatile goto("1:.byte 0xe5\n .byte 0\n .long ((%l[l_break] - 1b - 8) / 8) & 0xffff\n .short 0" :::: l_break);\
    goto l_continue;                                                           \
  l_break:                                                                     \
    expr;                                                                      \
  l_continue:;                                                                 \
  })
#endif
#endif /* SCX_BPF_UNITTEST */

#define cond_break __cond_break(break)
#define cond_break_label(label) __cond_break(goto label)
