// Every macro of the SDK compiles warning-free (-Wall -Werror) with each
// clang, and produces what the loader expects: a struct_ops program per
// callback, CO-RE relocations for field and enum probes, and calls to the
// kfuncs the macros stand for (compat.bpf.h's flavours bind to upsched's
// kfuncs, as libbpf binds them).
#include <gtest/gtest.h>

#include <set>

#include "bpf/object/object.h"
#include "bpf_compile.h"
#include "policy/kernel_abi/kernel_types.h"
#include "policy/kernel_abi/scx_api.h"
#include "policy/kfuncs.h"

namespace ups::kabi {
namespace {

using policy::find_kfunc;
using policy::kfuncs;

constexpr const char* kEveryMacro = R"(
#include <scx/common.bpf.h>
#include <upsched/events.h>
#include <upsched/locks.h>

char _license[] SEC("license") = "GPL";

struct slot { u64 n; };
struct slot slots[8];
const volatile u32 knob = 3;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, u32);
	__type(value, u64);
} counts SEC(".maps");

s32 BPF_STRUCT_OPS(m_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool idle = false;
	s32 cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &idle);

	if (likely(idle))
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
	return cpu;
}

void BPF_STRUCT_OPS(m_enqueue, struct task_struct *p, u64 enq_flags)
{
	struct slot *s = MEMBER_VPTR(slots, [knob]);
	u32 key = p->pid;
	u64 one = 1;

	if (s)
		s->n++;
	bpf_map_update_elem(&counts, &key, &one, BPF_ANY);
	if (bpf_core_field_exists(p->scx.dsq_vtime) && bpf_core_field_exists(struct task_struct, pid))
		enq_flags |= bpf_core_enum_value(enum scx_enq_flags, SCX_ENQ_WAKEUP) & 0;
	if (bpf_core_type_exists(struct scx_exit_info) && bpf_core_field_size(p->comm) != 16)
		scx_bpf_error("comm is not 16 bytes");
	if (unlikely(bpf_core_enum_value_exists(enum scx_enq_flags, SCX_ENQ_LAST) == 0))
		scx_bpf_exit(1, "no ENQ_LAST: %d %d %d %d %d %d %d %d", 1, 2, 3, 4, 5, 6, 7, 8);
	if (bpf_ksym_exists(upsched_event_fired) && upsched_task_is_idle_polling(p))
		enq_flags |= 0;
	if (bpf_ksym_exists(upsched_task_lock_holder) && upsched_task_lock_holder(p) > 0)
		enq_flags |= 0;
	scx_bpf_dsq_insert_vtime(p, 0, SCX_SLICE_DFL, p->scx.dsq_vtime, enq_flags);
}

void BPF_STRUCT_OPS(m_dispatch, s32 cpu, struct task_struct *prev)
{
	struct task_struct *p;
	int i, n = 0;

	bpf_for(i, 0, 4)
		n += i;
	bpf_repeat(2)
		n++;
	bpf_for_each(scx_dsq, p, 0, 0) {
		scx_bpf_dsq_move_set_slice(BPF_FOR_EACH_ITER, SCX_SLICE_DFL);
		scx_bpf_dsq_move_set_vtime(BPF_FOR_EACH_ITER, 0);
		if (scx_bpf_dsq_move_vtime(BPF_FOR_EACH_ITER, p, 0, 0))
			break;
		if (scx_bpf_dsq_move(BPF_FOR_EACH_ITER, p, SCX_DSQ_LOCAL, 0))
			break;
	}
	if (n > 100 && prev)
		bpf_printk("cpu %d prev %d n %d", cpu, BPF_CORE_READ(prev, pid), n);
	scx_bpf_dsq_move_to_local(0, 0);
}

s32 BPF_STRUCT_OPS_SLEEPABLE(m_init)
{
	return scx_bpf_create_dsq(0, NUMA_NO_NODE);
}

UEI_DEFINE(uei);

void BPF_STRUCT_OPS(m_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(macro_ops,
	       .select_cpu = (void *)m_select_cpu,
	       .enqueue = (void *)m_enqueue,
	       .dispatch = (void *)m_dispatch,
	       .init = (void *)m_init,
	       .exit = (void *)m_exit,
	       .name = "macros");
)";

bpf::LoadOptions host_options() {
  bpf::LoadOptions o;
  o.host = &host_types();
  o.kfunc_lookup = [](std::string_view name) -> std::optional<u32> {
    const KfuncInfo* k = find_kfunc(name);
    if (!k) return std::nullopt;
    return static_cast<u32>(k - kfuncs().data());
  };
  return o;
}

class SdkMacros : public ::testing::TestWithParam<std::string> {};

TEST_P(SdkMacros, CompileWarningFreeAndLoad) {
  auto built =
      test::compile_bpf(GetParam(), "macros",
                        std::string("#pragma clang diagnostic warning \"-Wall\"\n") + kEveryMacro);
  ASSERT_TRUE(built.error.empty()) << built.error;
  auto obj = bpf::load_object_file(built.object, host_options());
  ASSERT_TRUE(obj.has_value()) << obj.error().message;
  ASSERT_EQ(obj->struct_ops().size(), 1u);
  EXPECT_EQ(obj->struct_ops()[0].callbacks.size(), 5u);

  std::set<std::string> called;
  for (const auto& prog : obj->programs()) {
    EXPECT_TRUE(prog.poisoned.empty()) << prog.name << ": " << prog.poisoned.begin()->second;
    for (const auto& [index, name] : prog.kfuncs) called.insert(std::string(kfuncs()[index].name));
  }
  // compat.bpf.h's wrappers call the newest flavour (and name the older).
  for (const char* k :
       {"scx_bpf_dsq_insert___v2", "scx_bpf_dsq_insert", "scx_bpf_dsq_insert_vtime",
        "scx_bpf_dsq_move_to_local___v2", "scx_bpf_dsq_move_to_local",
        "scx_bpf_dsq_move", "scx_bpf_dsq_move_vtime", "scx_bpf_dsq_move_set_slice",
        "scx_bpf_dsq_move_set_vtime", "bpf_iter_scx_dsq_new", "bpf_iter_scx_dsq_next",
        "bpf_iter_scx_dsq_destroy", "bpf_iter_num_new", "bpf_iter_num_next", "bpf_iter_num_destroy",
        "scx_bpf_error_bstr", "scx_bpf_exit_bstr", "upsched_task_is_spinning",
        "upsched_task_lock_holder"})
    EXPECT_TRUE(called.count(k)) << k << " not called";
}

INSTANTIATE_TEST_SUITE_P(Clangs, SdkMacros, ::testing::ValuesIn(test::test_clangs()),
                         [](const auto& info) { return test::clang_test_name(info.param); });

}  // namespace
}  // namespace ups::kabi
