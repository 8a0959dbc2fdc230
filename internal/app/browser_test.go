package app

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/govshare/govshare/internal/demo"
)

// browser starts headless Chromium (Debian's) for one user's session.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, p := range []string{"/usr/lib/chromium/chromium", "/usr/bin/chromium"} {
		if _, err := os.Stat(p); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if p, err := exec.LookPath("chromium"); err == nil {
			path = p
		}
	}
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed; .ci/run must install it")
		}
		t.Skip("install Debian's chromium to run the browser tests")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.WindowSize(1366, 900),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.UserDataDir(t.TempDir()))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	must(t, err, "text of "+sel)
	return s
}

func consoleLogin(t *testing.T, ctx context.Context, base, user string) {
	t.Helper()
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), demo.Password),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#current-user")),
	), "log in as "+user)
}

// screenshot keeps a picture of the page when GOVSHARE_SCREENSHOTS names a directory.
func screenshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("GOVSHARE_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	must(t, err, "screenshot")
	os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
}

func TestConsoleInChromium(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir())

	t.Run("system admin", func(t *testing.T) {
		ctx := browser(t)
		consoleLogin(t, ctx, p.URL, "admin")
		if got := textOf(t, ctx, "#current-user"); !strings.Contains(got, "平台系统管理员") {
			t.Errorf("header shows %q", got)
		}
		pages := []struct {
			path, sel, want string
		}{
			{"/", "#stat-departments", "17"},
			{"/", "nav.side", "资源目录"},
			{"/regions", "#regions", "渌口区"},
			{"/departments", "#departments", "株洲市公安局"},
			{"/users", "#users", "gaj.cataloger"},
			{"/roles", "#roles", "安全审计员"},
			{"/users/1", "#user-detail", "admin"},
			{"/area/monitor", "#planned-area", "监测"},
			{"/exchange/nodes", "#nodes", "还没有前置机"},
			{"/account", "#token-form", "创建令牌"},
			{"/exchange", "#exchange-city", "交换条次"},
			{"/exchange", "#exchange-departments", "株洲市公安局"},
			{"/exchange/channels", "#channels", "户籍人口基本信息 → 市审批局"},
		}
		for _, pg := range pages {
			must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+pg.path), chromedp.WaitVisible(chromedp.CSS(pg.sel))), "open "+pg.path)
			if got := textOf(t, ctx, pg.sel); !strings.Contains(got, pg.want) {
				t.Errorf("%s %s shows %q, want %q", pg.path, pg.sel, got, pg.want)
			}
		}
		for _, shot := range []string{"exchange", "exchange/channels"} {
			must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/"+shot), chromedp.WaitVisible(chromedp.CSS("main table"))), "open "+shot)
			screenshot(t, ctx, strings.ReplaceAll(shot, "/", "-"))
		}
		// The chart on the dashboard draws.
		must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#chart-regions[data-rendered] canvas"))), "chart")
		screenshot(t, ctx, "dashboard")

		// Pinyin order: 国网 (guo) before 醴陵 (li) before 株洲 (zhu).
		must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/departments"), chromedp.WaitVisible(chromedp.CSS("#departments"))), "departments")
		rows := textOf(t, ctx, "#departments tbody")
		if a, b := strings.Index(rows, "国网株洲供电公司"), strings.Index(rows, "醴陵市行政审批服务局"); a < 0 || b < 0 || a > b {
			t.Errorf("departments not in pinyin order:\n%s", rows)
		}
		// Live search through htmx.
		must(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#department-search"), "公安")), "type search")
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll("#departments tbody tr").length === 1 && location.search.includes("q=")`,
			chromedp.WithPollingTimeout(10*time.Second)))
		must(t, err, "htmx search narrowed the list to 株洲市公安局")
		screenshot(t, ctx, "departments")

		// A bad credit code is shown beside the field, and nothing is created.
		must(t, chromedp.Do(ctx,
			chromedp.Navigate(p.URL+"/departments"),
			chromedp.SendKeys(chromedp.CSS(`#department-form input[name=name]`), "株洲市测试局"),
			chromedp.SendKeys(chromedp.CSS(`#department-form input[name=credit_code]`), "91350100M0001TGQXM"),
			chromedp.Click(chromedp.CSS("#department-submit")),
			chromedp.WaitVisible(chromedp.CSS(".field-error")),
		), "submit a bad department")
		if got := textOf(t, ctx, ".field-error"); !strings.Contains(got, "check character") {
			t.Errorf("field error %q", got)
		}
		// The override accepts it, with a warning.
		must(t, chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`#department-form input[name=credit_code_override]`)),
			chromedp.Click(chromedp.CSS("#department-submit")),
			chromedp.WaitVisible(chromedp.CSS(".flash")),
		), "submit with override")
		if got := textOf(t, ctx, ".flash"); !strings.Contains(got, "已新增部门：株洲市测试局") || !strings.Contains(got, "豁免") {
			t.Errorf("flash %q", got)
		}
		// English.
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#lang-switch")), chromedp.WaitVisible(chromedp.CSS("#departments"))), "switch language")
		if got := textOf(t, ctx, "main h1"); got != "Departments" {
			t.Errorf("English heading %q, want Departments", got)
		}
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-submit"))), "log out")
	})

	t.Run("exchange: the authority operates channels and aggregates by mandate", func(t *testing.T) {
		ctx := browser(t)
		consoleLogin(t, ctx, p.URL, "xzsp.node")
		// A channel's page: statistics, charts, its basis, and pause and resume.
		must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/exchange/channels?q="+"population"), chromedp.WaitVisible(chromedp.CSS("#channels tbody a")),
			chromedp.Click(chromedp.CSS("#channels tbody a")), chromedp.WaitVisible(chromedp.CSS("#channel-live")),
			chromedp.WaitVisible(chromedp.CSS("#chart-throughput[data-rendered] canvas"))), "channel page")
		if got := textOf(t, ctx, "#channel-deliveries"); got == "0" || got == "" {
			t.Errorf("channel deliveries show %q", got)
		}
		if got := textOf(t, ctx, "#channel-basis"); !strings.Contains(got, "归集任务") {
			t.Errorf("channel basis shows %q, want its mandate", got)
		}
		screenshot(t, ctx, "channel")
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#channel-pause")), chromedp.WaitVisible(chromedp.CSS("#channel-resume"))), "pause")
		if got := textOf(t, ctx, "#channel-state"); got != "已暂停" {
			t.Errorf("after pause the state shows %q", got)
		}
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#channel-resume")), chromedp.WaitVisible(chromedp.CSS("#channel-pause"))), "resume")

		// The authority's approver asks for an aggregation in the mandate form;
		// the provider's approver confirms it, and its channel opens.
		code := demoEntry(t, login(t, p.URL, "xzsp.approver", demo.Password), "企业登记注册信息")
		ctx = browser(t)
		consoleLogin(t, ctx, p.URL, "xzsp.approver")
		must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/exchange/mandates"), chromedp.WaitVisible(chromedp.CSS("#mandate-form")),
			chromedp.SendKeys(chromedp.CSS(`#mandate-form input[name=name]`), "企业登记 → 审批局（浏览器）"),
			chromedp.SendKeys(chromedp.CSS(`#mandate-form input[name=entry_code]`), code),
			chromedp.SendKeys(chromedp.CSS(`#mandate-form input[name=items]`), "name,capital"),
			chromedp.SendKeys(chromedp.CSS(`#mandate-form input[name=target_datasource]`), "xzsp-共享库"),
			chromedp.SendKeys(chromedp.CSS(`#mandate-form input[name=target_table]`), "scj_enterprises_browser"),
			chromedp.SendKeys(chromedp.CSS(`#mandate-form textarea[name=basis]`), "《政务数据归集规定》（测试）"),
			// The demo's mandates are listed already: wait for the flash of the new one.
			chromedp.Click(chromedp.CSS("#mandate-submit")), chromedp.WaitVisible(chromedp.CSS(".flash"))), "create a mandate")
		if got := textOf(t, ctx, "#mandates"); !strings.Contains(got, "企业登记 → 审批局（浏览器）") || !strings.Contains(got, "待确认") {
			t.Errorf("mandates show %q", got)
		}
		screenshot(t, ctx, "mandates")
		ctx = browser(t)
		consoleLogin(t, ctx, p.URL, "scj.approver")
		must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/exchange/mandates?state=pending"), chromedp.WaitVisible(chromedp.CSS("#mandates button.confirm")),
			chromedp.Click(chromedp.CSS("#mandates button.confirm")), chromedp.WaitVisible(chromedp.CSS(`#mandates a[href^="/exchange/channels/ch-"]`))), "confirm")
		must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/exchange/mandates?state=confirmed"),
			chromedp.WaitVisible(chromedp.CSS(`#mandates a[href^="/exchange/channels/ch-"]`)),
			chromedp.Click(chromedp.CSS(`#mandates a[href^="/exchange/channels/ch-"]`)), chromedp.WaitVisible(chromedp.CSS("#channel-live"))), "open its channel")
		if got := textOf(t, ctx, "#channel-name"); !strings.Contains(got, "企业登记") {
			t.Errorf("the mandate's channel page shows %q", got)
		}
	})

	t.Run("security admin grants a role", func(t *testing.T) {
		ctx := browser(t)
		consoleLogin(t, ctx, p.URL, "secadmin")
		must(t, chromedp.Do(ctx,
			chromedp.Navigate(p.URL+"/users?q=cgj.consumer"),
			chromedp.Click(chromedp.CSS(`#users a`)),
			chromedp.WaitVisible(chromedp.CSS("#roles-form")),
			chromedp.Click(chromedp.CSS(`#roles-form input[value=approver]`)),
			chromedp.Click(chromedp.CSS("#roles-submit")),
			chromedp.WaitVisible(chromedp.CSS(".flash")),
		), "grant approver")
		if got := textOf(t, ctx, ".flash"); !strings.Contains(got, "角色已保存") {
			t.Errorf("flash %q", got)
		}
		// An officer role with another role is refused with the reason.
		must(t, chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`#roles-form input[value=auditor]`)),
			chromedp.Click(chromedp.CSS("#roles-submit")),
			chromedp.WaitVisible(chromedp.CSS(".error")),
		), "grant auditor too")
		if got := textOf(t, ctx, ".error"); !strings.Contains(got, "三员分立") {
			t.Errorf("error %q", got)
		}
	})

	t.Run("auditor", func(t *testing.T) {
		ctx := browser(t)
		consoleLogin(t, ctx, p.URL, "auditor")
		must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/audit"), chromedp.WaitVisible(chromedp.CSS("#audit"))), "audit page")
		if got := textOf(t, ctx, "#audit"); !strings.Contains(got, "变更角色") || !strings.Contains(got, "登录") {
			t.Errorf("audit page shows %q", got)
		}
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#audit-verify")), chromedp.WaitVisible(chromedp.CSS(".flash"))), "verify chain")
		if got := textOf(t, ctx, ".flash"); !strings.Contains(got, "审计链完整") {
			t.Errorf("verify flash %q", got)
		}
		screenshot(t, ctx, "audit")
	})

	t.Run("cataloger is kept out of the audit log", func(t *testing.T) {
		ctx := browser(t)
		consoleLogin(t, ctx, p.URL, "gaj.cataloger")
		if nav := textOf(t, ctx, "nav.side"); strings.Contains(nav, "审计日志") || strings.Contains(nav, "用户管理") {
			t.Errorf("cataloger's navigation offers %q", nav)
		}
		must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/audit"), chromedp.WaitVisible(chromedp.CSS("main h1"))), "open /audit")
		if got := textOf(t, ctx, "main h1"); got != "无权访问" {
			t.Errorf("heading %q, want 无权访问", got)
		}
	})

	t.Run("anonymous visitors go to the login page", func(t *testing.T) {
		ctx := browser(t)
		must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/users"), chromedp.WaitVisible(chromedp.CSS("#login-submit"))), "open /users")
		loc, err := chromedp.Run(ctx, chromedp.Location())
		must(t, err, "location")
		if !strings.Contains(loc, "/login?next=%2Fusers") {
			t.Errorf("location %q", loc)
		}
		must(t, chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS("#username"), "admin"),
			chromedp.SendKeys(chromedp.CSS("#password"), "wrong-password"),
			chromedp.Click(chromedp.CSS("#login-submit")),
			chromedp.WaitVisible(chromedp.CSS(".error")),
		), "bad login")
		if got := textOf(t, ctx, ".error"); got != "用户名或密码错误；多次失败后请稍候再试" {
			t.Errorf("login error %q", got)
		}
	})
}
