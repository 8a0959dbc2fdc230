package catalog

import (
	"context"
	"strings"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
)

// The audit log's words for this package's actions and records.
func init() {
	audit.DefineActions(
		audit.Words{"catalog.create", "register a catalog entry", "新建目录"},
		audit.Words{"catalog.sample", "read an entry's sample rows", "查看目录样例数据"},
		audit.Words{"catalog.update", "edit a catalog entry", "编辑目录"},
		audit.Words{"catalog.submit", "submit an entry for review", "提交目录审核"},
		audit.Words{"catalog.approve", "approve an entry", "审核通过目录"},
		audit.Words{"catalog.return", "return an entry", "退回目录"},
		audit.Words{"catalog.publish", "publish an entry", "发布目录"},
		audit.Words{"catalog.withdraw", "withdraw an entry", "撤回目录"},
		audit.Words{"catalog.mount", "mount an entry", "挂接资源"},
		audit.Words{"catalog.mount_check", "recheck a mount", "复核挂接"},
		audit.Words{"catalog.unmount", "unmount an entry", "取消挂接"},
		audit.Words{"catalog.import", "import catalog entries", "导入目录"},
		audit.Words{"catalog.preview", "preview an entry's rows", "预览目录数据"},
		audit.Words{"datasource.create", "register a datasource", "登记数据源"},
		audit.Words{"datasource.connect", "connect to a datasource", "连接数据源"},
	)
	audit.DefineTarget("catalog", "catalog entry", "目录")
	audit.DefineTarget("datasource", "datasource", "数据源")
	audit.DefineTarget("resource", "resource", "资源")
}

// The audit log's details of this package's actions (audit.Keyed).
var (
	auditEntry       = errs.Define("catalog.audit.entry", "entry %s", "目录“%s”")
	auditVersion     = errs.Define("catalog.audit.version", "version %d", "第 %d 版")
	auditVersionWhy  = errs.Define("catalog.audit.version_reason", "version %d: %s", "第 %d 版：%s")
	auditSource      = errs.Define("catalog.audit.source", "%s (%s)", "%s（%s）")
	auditConnect     = errs.Define("catalog.audit.connect", "%s (%s) failed: %s", "%s（%s）连接失败：%s")
	auditRefusedHost = errs.Define("catalog.audit.refused_host", "%s: %s", "%s：%s")
	auditMount       = errs.Define("catalog.audit.mount", "as %s: %s, %s", "以%s挂接 %s，%s")
	auditMountCheck  = errs.Define("catalog.audit.mount_check", "mount %d: %s", "挂接 %d：%s")
	auditUnmount     = errs.Define("catalog.audit.unmount", "mount %d", "挂接 %d")
	auditSample      = errs.Define("catalog.audit.sample", "%d rows of %d columns, masked by the catalog's defaults", "%d 行 %d 列，按目录默认规则脱敏")
	auditCheckOK     = errs.Define("catalog.audit.check_ok", "check passed", "检查通过")
	auditCheckFailed = errs.Define("catalog.audit.check_failed", "check failed", "检查未通过")
	auditMountKinds  = audit.DefineCodes("catalog.audit.kind", kindWords()...)
)

// kindWords are the mount kinds' labels as the audit log's words.
func kindWords() []audit.Words {
	ws := make([]audit.Words, len(MountKinds))
	for i, o := range MountKinds {
		ws[i] = audit.Words{o.Value, o.EN, o.ZH}
	}
	return ws
}

// checked says whether a mount's check passed.
func checked(ok bool) errs.Text {
	if ok {
		return auditCheckOK.With()
	}
	return auditCheckFailed.With()
}

// versionDetail says an entry's version and the reason given for a step.
func versionDetail(version int, reason string) string {
	if reason = strings.TrimSpace(reason); reason != "" {
		return audit.Keyed(auditVersionWhy, version, reason)
	}
	return audit.Keyed(auditVersion, version)
}

// Refusals of the console's catalog pages a role may not open, by action.
var pageRefusals = map[string]*errs.Msg{
	"catalog.review": errs.Define("catalog.forbidden.review_page", "only an approver of the data authority reviews catalog entries", "只有数据主管部门的审核员可以审核目录"),
	"catalog.import": errs.Define("catalog.forbidden.import_page", "only a cataloger of a department imports entries", "只有部门的编目员可以导入目录"),
	"catalog.create": errs.Define("catalog.forbidden.create_page", "only a cataloger of a department registers entries", "只有部门的编目员可以登记目录"),
	"catalog.update": msgForbiddenEdit,
}

// RefusePage records that p may not open the console's page for action on
// target, and returns the Forbidden error, said by the catalog's words.
func (s *Service) RefusePage(ctx context.Context, p org.Principal, action, target string) error {
	m, ok := pageRefusals[action]
	if !ok {
		m = msgForbiddenEdit
	}
	return org.Denied(ctx, s.audit, p, action, target, errs.New(errs.Forbidden, m))
}
