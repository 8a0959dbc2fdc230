package org

import (
	"strings"

	"github.com/govshare/govshare/internal/errs"
)

// The messages of accounts, regions and departments, in English and
// Chinese. The English wording is the one the API has always answered; the
// Chinese is what the console shows.
var (
	msgUsername        = errs.Define("org.user.username", "must be 3 to 32 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter", "须为 3 至 32 个字符：小写字母、数字、“.”“_”或“-”，以字母开头")
	msgDisplayName     = errs.Define("org.user.display_name", "is required, at most 50 characters", "必填，最多 50 个字")
	msgUnknownRole     = errs.Define("org.user.unknown_role", "unknown role %q", "未知角色“%s”")
	msgNoSuchDept      = errs.Define("org.user.no_department", "department %d does not exist", "部门 %d 不存在")
	msgUsernameTaken   = errs.Define("org.user.username_taken", "user name %q is taken", "用户名“%s”已被占用")
	msgDeptRoleAlone   = errs.Define("org.user.department_role", "%s is a department role; the user belongs to no department", "%s是部门角色，而该用户不属于任何部门")
	msgOfficerAlone    = errs.Define("org.user.officer_alone", "an officer role (system admin, security admin, auditor: 三员分立) is held alone", "系统管理员、安全管理员、安全审计员角色（三员分立）不得与其他角色兼任")
	msgPasswordShort   = errs.Define("org.password.short", "must be at least 10 characters", "至少 10 个字符")
	msgPasswordLong    = errs.Define("org.password.long", "must be at most 256 bytes", "最多 256 字节")
	msgPasswordClasses = errs.Define("org.password.classes", "must mix at least three of: upper case, lower case, digits, symbols", "须至少包含大写字母、小写字母、数字、符号中的三类")
	msgNotDivision     = errs.Define("org.region.not_division", "%q is not a division code in the GB/T 2260 table (%s)", "“%s”不是 GB/T 2260 行政区划代码表（%s）中的代码")
	msgRegionName      = errs.Define("org.region.name", "must be at most 50 characters", "最多 50 个字")
	msgRegionExists    = errs.Define("org.region.exists", "region %s already exists", "行政区划 %s 已存在")
	msgRegionParent    = errs.Define("org.region.parent", "its parent %s is not a region of this platform; add the parent first", "其上级 %s 不是本平台的行政区划，请先新增上级")
	msgBadCredentials  = errs.Define("org.session.bad_credentials", "missing, invalid or expired credentials", "凭据缺失、无效或已过期")
	msgTokenName       = errs.Define("org.token.name", "is required, at most 50 characters", "必填，最多 50 个字")
	msgTokenDays       = errs.Define("org.token.days", "must be between 1 and 366 days", "须在 1 至 366 天之间")
	msgDeptName        = errs.Define("org.department.name_required", "is required", "必填")
	msgDeptName100     = errs.Define("org.department.name_long", "must be at most 100 characters", "最多 100 个字")
	msgDeptShort30     = errs.Define("org.department.short_name", "must be at most 30 characters", "最多 30 个字")
	msgCreditOverride  = errs.Define("org.department.credit_override", "%s; set credit_code_override to accept an early pilot code", "%s；如为早期试点代码，请勾选“确认接受”（credit_code_override）")
	msgRegionRequired  = errs.Define("org.department.region_required", "is required", "必填")
	msgDeptKind        = errs.Define("org.department.kind", "must be one of %s, %s, %s", "须为 %s、%s、%s 之一")
	msgDeptContact     = errs.Define("org.department.contact", "contact must be at most 50 characters and phone at most 30", "联系人最多 50 个字，电话最多 30 个字符")
	msgDeptNoRegion    = errs.Define("org.department.no_region", "%q is not a region of this platform; add it under regions first", "“%s”不是本平台的行政区划，请先在行政区划中新增")
	msgDeptExists      = errs.Define("org.department.exists", "a department with this name or credit code already exists", "同名或同一统一社会信用代码的部门已存在")

	msgNotInTable       = errs.Define("org.division.not_found", "%s is not in the division table (%s)", "%s 不在行政区划代码表（%s）中")
	msgDeptNotFound     = errs.Define("org.department.not_found", "department %d not found", "部门 %d 不存在")
	msgDeptCodeNotFound = errs.Define("org.department.code_not_found", "department with credit code %s not found", "统一社会信用代码为 %s 的部门不存在")
	msgRegionNotFound   = errs.Define("org.region.not_found", "region %s not found", "行政区划 %s 不存在")
	msgUserNotFound     = errs.Define("org.user.not_found", "user %d not found", "用户 %d 不存在")
	msgSelfNotFound     = errs.Define("org.user.self_not_found", "user not found", "用户不存在")
	msgTokenNotFound    = errs.Define("org.token.not_found", "token:%d not found", "令牌 %d 不存在")
)

// roleCode says a role as its code in English (as the API has always
// answered) and by its name in Chinese.
type roleCode Role

func (r roleCode) In(lang string) string {
	if info, ok := Role(r).Info(); ok && strings.HasPrefix(lang, "zh") {
		return info.NameZH
	}
	return string(r)
}
