/* scx/user_exit_info_common.h: struct user_exit_info, the record ops.exit()
 * fills for whoever loaded the policy (UEI_RECORD), with Linux's names.
 * Included by scx/user_exit_info.bpf.h.
 */
#ifndef __UPSCHED_SCX_USER_EXIT_INFO_COMMON_H__
#define __UPSCHED_SCX_USER_EXIT_INFO_COMMON_H__

enum uei_sizes {
	UEI_REASON_LEN = 128,
	UEI_MSG_LEN = 1024,
	UEI_DUMP_DFL_LEN = 32768,
};

struct user_exit_info {
	int kind;
	/* The CPU that triggered the exit, or -1 (upsched's exit info has no
	 * CPU: always -1). */
	s32 exit_cpu;
	s64 exit_code;
	char reason[UEI_REASON_LEN];
	char msg[UEI_MSG_LEN];
};

#endif /* __UPSCHED_SCX_USER_EXIT_INFO_COMMON_H__ */
