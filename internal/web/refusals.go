package web

import "github.com/govshare/govshare/internal/errs"

// The console's own refusals (a page or form it cannot serve), said by key
// like the domains' messages; what a domain refuses, the domain says.
var (
	msgNoPage           = errs.Define("web.no_page", "no such page", "页面不存在")
	msgNoAction         = errs.Define("web.no_action", "no such action", "没有此操作")
	msgFormUnreadable   = errs.Define("web.form_unreadable", "the form cannot be read", "无法读取表单")
	msgFormMalformed    = errs.Define("web.form_malformed", "malformed form", "表单格式有误")
	msgFormTooLarge     = errs.Define("web.form_too_large", "the form is too large", "表单内容过大")
	msgCatalogTooLarge  = errs.Define("web.catalog.form_too_large", "The form is too large (1 MB at most)", "表单内容过大（上限 1 MB）")
	msgCatalogForm      = errs.Define("web.catalog.form_malformed", "The form cannot be read", "无法读取表单")
	msgNotApplicable    = errs.Define("web.sharing.not_published", "The resource is not published and cannot be applied for", "该资源未发布，不能申请")
	msgSharingForm      = errs.Define("web.sharing.form_malformed", "The form could not be read; please submit it again", "表单无法读取，请重新提交")
	msgEntryUnpublished = errs.Define("web.services.not_published", "catalog entry %s is not published", "目录 %s 未发布")
	msgNoneChosen       = errs.Define("web.quarantine.none_chosen", "Tick the rows first.", "请先勾选数据行。")
)
