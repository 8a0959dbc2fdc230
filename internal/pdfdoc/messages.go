package pdfdoc

import "github.com/govshare/govshare/internal/errs"

var (
	msgFontMissing = errs.Define("pdfdoc.font.missing",
		"the PDF font %s is not installed: install the Debian package %s, or point --pdf-fonts at a directory holding it",
		"服务器未安装 PDF 字体 %s：请安装 Debian 软件包 %s，或以 --pdf-fonts 指定存放该字体的目录")
	msgFontUnusable = errs.Define("pdfdoc.font.unusable",
		"the PDF font %s is not a TrueType font this server can embed (from the Debian package %s)",
		"PDF 字体 %s 不是可嵌入的 TrueType 字体（应来自 Debian 软件包 %s）")
)
