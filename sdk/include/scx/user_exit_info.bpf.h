/* scx/user_exit_info.bpf.h: UEI_DEFINE and UEI_RECORD, with Linux's names:
 * a global that ops.exit() fills from its struct scx_exit_info, for whoever
 * loaded the policy. Included by scx/common.bpf.h.
 *
 * Unlike Linux's, UEI_DEFINE declares no debug-dump buffer (NAME_dump, sized
 * by the loader): upsched's exit info carries no dump (issue 15).
 */
#ifndef __UPSCHED_SCX_USER_EXIT_INFO_BPF_H__
#define __UPSCHED_SCX_USER_EXIT_INFO_BPF_H__

#include "user_exit_info_common.h"

#define UEI_DEFINE(__name) struct user_exit_info __name SEC(".data")

#define UEI_RECORD(__uei_name, __ei)                                           \
	({                                                                     \
		bpf_probe_read_kernel_str(__uei_name.reason,                   \
					  sizeof(__uei_name.reason), (__ei)->reason); \
		bpf_probe_read_kernel_str(__uei_name.msg,                      \
					  sizeof(__uei_name.msg), (__ei)->msg); \
		__uei_name.exit_code = (__ei)->exit_code;                      \
		__uei_name.exit_cpu = -1;                                      \
		/* kind last: user space polls it to know the record is whole */ \
		__sync_lock_test_and_set(&__uei_name.kind, (__ei)->kind);      \
	})

#endif /* __UPSCHED_SCX_USER_EXIT_INFO_BPF_H__ */
