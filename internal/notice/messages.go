package notice

import "github.com/govshare/govshare/internal/errs"

// The notices' texts, in English and Chinese. Each is stored with its key
// and arguments, so that it reads in the reader's language.
var (
	msgNotFound = errs.Define("notice.not_found", "notice %d not found", "站内信 %d 不存在")

	// To approvers: work awaits them, a step nears or passes its limit, or
	// the applicant took an application back.
	msgAwaits    = errs.Define("notice.application.awaits", "Application %d of %s for “%s” awaits your approval, due %s", "%[2]s的共享申请 %[1]d（“%[3]s”）待您审批，审批时限 %[4]s")
	msgNearing   = errs.Define("notice.application.nearing", "Application %d of %s for “%s” is due %s: approve or return it in time", "%[2]s的共享申请 %[1]d（“%[3]s”）审批时限 %[4]s 即将到期，请及时审批")
	msgOverdue   = errs.Define("notice.application.overdue", "Application %d of %s for “%s” is past its time limit %s: please deal with it", "%[2]s的共享申请 %[1]d（“%[3]s”）已超过审批时限 %[4]s，请尽快处理")
	msgWithdrawn = errs.Define("notice.application.withdrawn", "Application %d of %s for “%s” was withdrawn: %s", "%[2]s已撤回共享申请 %[1]d（“%[3]s”）：%[4]s")

	// To the applicant: the application moved.
	msgToAuthority = errs.Define("notice.application.to_authority", "Your application %d for “%s” was approved by %s and waits for the data authority", "您的共享申请 %d（“%s”）已获%s审批同意，转数据主管部门审批")
	msgApproved    = errs.Define("notice.application.approved", "Your application %d for “%s” is approved: the grant is in force", "您的共享申请 %d（“%s”）已审批同意，授权已生效")
	msgReturned    = errs.Define("notice.application.returned", "Your application %d for “%s” was returned by %s: %s", "您的共享申请 %d（“%s”）被%s退回：%s")
	msgWithdrawnBy = errs.Define("notice.application.withdrawn_by", "Your application %d for “%s” was withdrawn by %s: %s", "您的共享申请 %d（“%s”）已由%s撤回：%s")
	msgNoReason    = errs.Define("notice.no_reason", "no reason given", "未说明原因")
)
