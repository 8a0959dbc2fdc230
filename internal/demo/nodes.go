package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/govshare/govshare/internal/aggregation"
	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/node"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
)

// The demo's front-end nodes (前置机): the police bureau's (公安局), which
// holds a copy of the population register in its own SQLite database, and
// the approval bureau's (行政审批局), which receives it. Both run in the
// platform's process, each with its own data directory (key, certificate,
// JetStream store) and database under DATA-DIR/demo-nodes, and go through
// the same path as a node elsewhere: a one-time enrolment token created by
// the department's node operator, a certificate from the platform's node
// CA over HTTP, and a TLS leaf link to the platform's loopback listener.
//
// Two channels run node to node: an aggregation mandate's (归集) and a
// grant's (共享通道, the approval bureau's application for the register,
// approved by both approvers). A writer changes a row of the police
// bureau's table every few seconds, so that stopping a node (POST
// /api/v1/demo/nodes/{id}/stop) shows the backlog building, and starting
// it again shows it draining.
//
// In-process rather than child processes: the platform stops them cleanly
// (they end with it, also on kill -9, since they are its goroutines, and
// leave no process behind), tests start the demo without a separate
// binary, and "stopping" a node closes its agent (link, NATS server,
// channels) exactly as a stopped process would, while its store and
// identity stay on disk for the restart.

// DemoNode is one of the demo's front-end nodes.
type DemoNode struct {
	Key        string // the department (Department.Key)
	Name       string // the node's name in the registry
	Datasource string // its one datasource, as node.yaml names it
	File       string // the datasource's SQLite file, in the node's folder
}

// DemoNodes are the demo's two front-end nodes: the provider first.
var DemoNodes = []DemoNode{
	{"gaj", "公安局前置机（演示）", "公安局前置库", "gaj-frontend.db"},
	{"xzsp", "行政审批局前置机（演示）", "审批局前置库", "xzsp-frontend.db"},
}

// NodeRows is how many synthetic people the police bureau's node table
// starts with.
const NodeRows = 3000

// The demo's node-to-node channels: the mandate's and the grant's targets
// on the approval bureau's node.
const (
	NodeMandateTable = "gaj_population_node"
	NodeGrantTable   = "gaj_population_grant"
	nodeSourceTable  = "population"
	nodeMandateName  = "户籍人口基本信息（前置机）→ 审批局前置机"
)

var (
	msgDemoNodeNotFound = errs.Define("demo.node.not_found", "demo node %d not found: the demo runs its nodes only with serve --demo", "演示前置机 %d 不存在：仅 serve --demo 运行演示前置机")
	msgDemoNodeOperate  = errs.Define("demo.node.forbidden", "only the node's department's node operators and admins, or the system admin, stop and start a demo node",
		"仅该前置机所属部门的前置机运维员、部门管理员或系统管理员可停止和启动演示前置机")
	msgDemoNodeStarting = errs.Define("demo.node.starting", "demo node %d is still starting; try again in a few seconds", "演示前置机 %d 正在启动，请稍后再试")
)

// The audit log's words for stopping and starting a demo node.
func init() {
	audit.DefineActions(
		audit.Words{"demo.node.operate", "stop or start a demo node", "停止或启动演示前置机"},
		audit.Words{"demo.node.stop", "stop a demo node", "停止演示前置机"},
		audit.Words{"demo.node.start", "start a demo node", "启动演示前置机"})
}

// NodesOptions say where the demo's nodes run.
type NodesOptions struct {
	Dir      string // DATA-DIR/demo-nodes
	Platform string // the platform's URL, where nodes enrol
	LeafURL  string // the platform's loopback leaf listener
	Version  string
	Logger   *slog.Logger
	Audit    *audit.Log // records who stopped and started a node; nil records nothing
	// Heartbeat is the nodes' heartbeat interval; default 2 s, so that the
	// nodes page follows a stop and a start at once.
	Heartbeat time.Duration
	// ChangeEvery is how often the police bureau's table changes; default 3 s.
	ChangeEvery time.Duration
}

// Nodes runs the demo's front-end nodes in the platform's process.
type Nodes struct {
	svc  Services
	reg  *node.Registry
	o    NodesOptions
	log  *slog.Logger
	ctx  context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup

	mu     sync.Mutex
	ids    map[string]int64 // key → node id, once enrolled
	depts  map[string]int64 // key → department id
	agents map[string]*node.Agent
	ready  chan struct{} // closed once both nodes run and the channels exist
	err    error
}

// NewNodes returns the demo's nodes, not yet started.
func NewNodes(svc Services, reg *node.Registry, o NodesOptions) *Nodes {
	if o.Heartbeat <= 0 {
		o.Heartbeat = 2 * time.Second
	}
	if o.ChangeEvery <= 0 {
		o.ChangeEvery = 3 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Nodes{svc: svc, reg: reg, o: o, log: o.Logger.With("component", "demo-nodes"), ctx: ctx, stop: cancel,
		ids: map[string]int64{}, depts: map[string]int64{}, agents: map[string]*node.Agent{}, ready: make(chan struct{})}
}

// Start prepares the nodes' databases and starts the nodes in the
// background: on the first start it enrols them and creates their
// channels. It returns at once; Ready says when they run, Stop ends them.
func (n *Nodes) Start() {
	ctx := n.ctx
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		err := n.setUp(ctx)
		n.mu.Lock()
		n.err = err
		n.mu.Unlock()
		if err != nil && ctx.Err() == nil {
			n.log.Error("demo nodes", "err", err)
		}
		close(n.ready)
		if err == nil {
			n.change(ctx)
		}
	}()
}

// Ready is closed once the nodes run and their channels exist (or setting
// them up failed: see Err).
func (n *Nodes) Ready() <-chan struct{} { return n.ready }

// Err is why setting the nodes up failed, nil while it runs or once it has worked.
func (n *Nodes) Err() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.err
}

// Stop stops the nodes and the writer and waits for them.
func (n *Nodes) Stop() {
	n.stop()
	n.wg.Wait()
	n.mu.Lock()
	agents := n.agents
	n.agents = map[string]*node.Agent{}
	n.mu.Unlock()
	for _, a := range agents {
		a.Close()
	}
}

// Describe prints the demo nodes for the start-up banner.
func (n *Nodes) Describe(out io.Writer) {
	fmt.Fprintf(out, "Demo front-end nodes (前置机): %s and %s start in this process, enrol with one-time tokens and link to %s (synthetic data in %s).\n",
		DemoNodes[0].Name, DemoNodes[1].Name, n.o.LeafURL, n.o.Dir)
}

func (n *Nodes) dir(d DemoNode) string { return filepath.Join(n.o.Dir, d.Key) }

func (n *Nodes) setUp(ctx context.Context) error {
	for _, d := range DemoNodes {
		if err := os.MkdirAll(n.dir(d), 0o750); err != nil {
			return err
		}
		if err := n.writeConfig(d); err != nil {
			return err
		}
	}
	if err := seedNodeTable(ctx, filepath.Join(n.dir(DemoNodes[0]), DemoNodes[0].File)); err != nil {
		return fmt.Errorf("police bureau's node table: %w", err)
	}
	if err := noteTable(ctx, filepath.Join(n.dir(DemoNodes[1]), DemoNodes[1].File)); err != nil {
		return fmt.Errorf("approval bureau's node database: %w", err)
	}
	ds, _, err := n.svc.Org.Departments(ctx, org.DepartmentFilter{PageSize: 100})
	if err != nil {
		return err
	}
	for _, d := range ds {
		for _, dd := range Departments {
			if dd.Name == d.Name {
				n.mu.Lock()
				n.depts[dd.Key] = d.ID
				n.mu.Unlock()
			}
		}
	}
	for _, d := range DemoNodes {
		token := ""
		if id, err := node.LoadIdentity(n.dir(d)); err == nil {
			n.setID(d.Key, id.NodeID)
		} else {
			op, err := n.login(ctx, d.Key+".node")
			if err != nil {
				return err
			}
			e, err := n.reg.CreateEnrollment(ctx, op, node.EnrollmentInput{Name: d.Name})
			if err != nil {
				return fmt.Errorf("enrolment of %s: %w", d.Name, err)
			}
			token = e.Token
			n.setID(d.Key, e.NodeID)
		}
		if err := n.startAgent(ctx, d, token); err != nil {
			return err
		}
	}
	for _, d := range DemoNodes {
		if err := n.waitReported(ctx, d); err != nil {
			return err
		}
	}
	return n.createChannels(ctx)
}

func (n *Nodes) setID(key string, id int64) {
	n.mu.Lock()
	n.ids[key] = id
	n.mu.Unlock()
}

// NodeID is the registry's number of the demo node of department key, 0
// until it has enrolment.
func (n *Nodes) NodeID(key string) int64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.ids[key]
}

func (n *Nodes) login(ctx context.Context, user string) (org.Principal, error) {
	_, p, err := n.svc.Org.Login(ctx, user, Password, "127.0.0.1")
	if err != nil {
		return p, fmt.Errorf("demo login %s: %w", user, err)
	}
	return p, nil
}

func (n *Nodes) writeConfig(d DemoNode) error {
	cfg := fmt.Sprintf("# The demo's %s: synthetic data only.\ndatasources:\n  - {name: %s, driver: sqlite, path: %s}\n", d.Name, d.Datasource, d.File)
	return os.WriteFile(filepath.Join(n.dir(d), "node.yaml"), []byte(cfg), 0o640)
}

func (n *Nodes) startAgent(ctx context.Context, d DemoNode, token string) error {
	a, err := node.Start(ctx, node.Options{Platform: n.o.Platform, Token: token, DataDir: n.dir(d), ConfigFile: filepath.Join(n.dir(d), "node.yaml"),
		Version: n.o.Version, Logger: n.o.Logger.With("component", "demo-node", "node", d.Key), HeartbeatInterval: n.o.Heartbeat, LeafURL: n.o.LeafURL})
	if err != nil {
		return fmt.Errorf("start %s: %w", d.Name, err)
	}
	n.mu.Lock()
	n.agents[d.Key] = a
	n.mu.Unlock()
	return nil
}

// waitReported waits until the node's heartbeat names its datasource.
func (n *Nodes) waitReported(ctx context.Context, d DemoNode) error {
	id := n.NodeID(d.Key)
	deadline := time.Now().Add(time.Minute)
	for {
		nd, err := n.reg.Node(ctx, id)
		if err == nil && nd.Online && slices.ContainsFunc(nd.Datasources, func(ds node.Datasource) bool { return ds.Name == d.Datasource && ds.Healthy }) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s (node %d) did not report its datasource within a minute", d.Name, id)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// createChannels creates, once, the mandate and the grant whose channels run
// node to node.
func (n *Nodes) createChannels(ctx context.Context) error {
	marker := filepath.Join(n.o.Dir, "channels.created")
	if _, err := os.Stat(marker); err == nil {
		return nil
	}
	if n.svc.Aggregation == nil || n.svc.Sharing == nil {
		return nil
	}
	gajNode, xzspNode := strconv.FormatInt(n.NodeID("gaj"), 10), strconv.FormatInt(n.NodeID("xzsp"), 10)
	code, err := entryOfTable(ctx, n.svc, n.depts["gaj"], nodeSourceTable)
	if err != nil {
		return err
	}
	authority, err := n.login(ctx, "xzsp.approver")
	if err != nil {
		return err
	}
	m, err := n.svc.Aggregation.Create(ctx, authority, aggregation.Input{Name: nodeMandateName, EntryCode: code, Items: DemoChannels[0].Items,
		Source: &exchange.TableRef{NodeID: gajNode, Datasource: DemoNodes[0].Datasource, Table: nodeSourceTable},
		Target: exchange.TableRef{NodeID: xzspNode, Datasource: DemoNodes[1].Datasource, Table: NodeMandateTable},
		Mode:   exchange.FullThenIncremental, Schedule: exchange.Continuous, BatchSize: 500, Basis: mandateBasis})
	if err != nil {
		return fmt.Errorf("node mandate: %w", err)
	}
	provider, err := n.login(ctx, "gaj.approver")
	if err != nil {
		return err
	}
	if _, err := n.svc.Aggregation.Confirm(ctx, provider, m.ID); err != nil {
		return fmt.Errorf("node mandate: confirm: %w", err)
	}
	// The grant: the approval bureau's consumer applies for three items of
	// the register, delivered into its node; the police bureau's approver
	// and the data authority approve (the default masking stays).
	consumer, err := n.login(ctx, "xzsp.consumer")
	if err != nil {
		return err
	}
	app, err := n.svc.Sharing.Apply(ctx, consumer, sharing.ApplicationInput{EntryCode: code, Items: []string{"id_number", "name", "birth_date", "updated_at"},
		Purpose: "办理户籍相关审批事项时核验申请人身份（演示）", Basis: "《株洲市政务数据资源共享管理办法》第十五条（演示）", Scenario: "审批服务：身份核验（前置机交换演示）",
		Delivery: sharing.DeliveryTable, Target: &sharing.Target{Node: xzspNode, Datasource: DemoNodes[1].Datasource, Table: NodeGrantTable}})
	if err != nil {
		return fmt.Errorf("node grant: apply: %w", err)
	}
	for _, user := range []string{"gaj.approver", "xzsp.approver"} {
		p, err := n.login(ctx, user)
		if err != nil {
			return err
		}
		if app, err = n.svc.Sharing.Approve(ctx, p, app.ID, nil, "同意（演示）"); err != nil {
			return fmt.Errorf("node grant: %s approves: %w", user, err)
		}
		if app.State == sharing.StateApproved {
			break
		}
	}
	return os.WriteFile(marker, []byte("the demo's node mandate and grant were created\n"), 0o640)
}

// GrantSource is sharing.TableDelivery.NodeSource for the demo: a grant of
// the police bureau's population register delivered to a front-end node
// reads the register on the police bureau's node.
func (n *Nodes) GrantSource(ctx context.Context, g sharing.Grant) (exchange.TableRef, bool) {
	gaj := n.NodeID("gaj")
	n.mu.Lock()
	dept := n.depts["gaj"]
	n.mu.Unlock()
	if gaj == 0 || g.ProviderID != dept || g.Target == nil || g.Target.Node == "" {
		return exchange.TableRef{}, false
	}
	if code, err := entryOfTable(ctx, n.svc, dept, nodeSourceTable); err != nil || code != g.EntryCode {
		return exchange.TableRef{}, false
	}
	return exchange.TableRef{NodeID: strconv.FormatInt(gaj, 10), Datasource: DemoNodes[0].Datasource, Table: nodeSourceTable}, true
}

// demoNode answers the demo node numbered id, checking that p may operate it.
func (n *Nodes) demoNode(ctx context.Context, p org.Principal, id int64) (DemoNode, error) {
	for _, d := range DemoNodes {
		if id != 0 && n.NodeID(d.Key) == id {
			n.mu.Lock()
			dept := n.depts[d.Key]
			n.mu.Unlock()
			if !node.CanOperate(p, dept) {
				return d, n.svc.Org.DenyMsg(ctx, p, "demo.node.operate", "node:"+strconv.FormatInt(id, 10), msgDemoNodeOperate)
			}
			return d, nil
		}
	}
	return DemoNode{}, errs.New(errs.NotFound, msgDemoNodeNotFound, id)
}

// StopNode stops demo node id as if its machine went down: its link, NATS
// server and channels end; what it extracted stays in its store.
func (n *Nodes) StopNode(ctx context.Context, p org.Principal, id int64) error {
	d, err := n.demoNode(ctx, p, id)
	if err != nil {
		return err
	}
	n.mu.Lock()
	a := n.agents[d.Key]
	delete(n.agents, d.Key)
	n.mu.Unlock()
	if a != nil {
		a.Close()
		n.log.Info("demo node stopped", "node", id, "by", p.Username)
	}
	return n.record(ctx, p, "demo.node.stop", id)
}

func (n *Nodes) record(ctx context.Context, p org.Principal, action string, id int64) error {
	if n.o.Audit == nil {
		return nil
	}
	return n.o.Audit.Record(ctx, audit.Entry{ActorID: p.UserID, Actor: p.Username, DepartmentID: p.DepartmentID, Department: p.DepartmentName,
		Action: action, Target: "node:" + strconv.FormatInt(id, 10), Outcome: audit.Success, ClientAddr: p.ClientAddr})
}

// StartNode starts demo node id again (no token: it keeps its identity).
func (n *Nodes) StartNode(ctx context.Context, p org.Principal, id int64) error {
	d, err := n.demoNode(ctx, p, id)
	if err != nil {
		return err
	}
	if _, err := node.LoadIdentity(n.dir(d)); err != nil {
		return errs.New(errs.Conflict, msgDemoNodeStarting, id)
	}
	n.mu.Lock()
	running := n.agents[d.Key] != nil
	n.mu.Unlock()
	if running {
		return nil
	}
	if err := n.startAgent(n.ctx, d, ""); err != nil {
		return err
	}
	n.log.Info("demo node started", "node", id, "by", p.Username)
	return n.record(ctx, p, "demo.node.start", id)
}

// Demo reports whether node id is one of the demo's nodes.
func (n *Nodes) Demo(id int64) bool {
	for _, d := range DemoNodes {
		if id != 0 && n.NodeID(d.Key) == id {
			return true
		}
	}
	return false
}

// Running reports whether demo node id runs.
func (n *Nodes) Running(id int64) bool {
	for _, d := range DemoNodes {
		if n.NodeID(d.Key) == id {
			n.mu.Lock()
			defer n.mu.Unlock()
			return n.agents[d.Key] != nil
		}
	}
	return false
}

// change changes the police bureau's table every ChangeEvery, as its
// business system would: a new person now and then, an updated one
// otherwise.
func (n *Nodes) change(ctx context.Context) {
	db, err := openNodeDB(filepath.Join(n.dir(DemoNodes[0]), DemoNodes[0].File))
	if err != nil {
		n.log.Warn("demo node changes", "err", err)
		return
	}
	defer db.Close()
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	t := time.NewTicker(n.o.ChangeEvery)
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now().UTC().Format(time.RFC3339)
		if i%3 == 0 {
			var count int
			db.QueryRowContext(ctx, "SELECT count(*) FROM population").Scan(&count)
			row := populationRow(r, count+1)
			row[5] = now
			_, err = db.ExecContext(ctx, "INSERT OR IGNORE INTO population (id_number, name, gender, birth_date, address, updated_at) VALUES (?, ?, ?, ?, ?, ?)", row...)
		} else {
			_, err = db.ExecContext(ctx, "UPDATE population SET address = ?, updated_at = ? WHERE rowid = ?",
				fmt.Sprintf("株洲市演示路%d号（迁入）", 1+r.IntN(500)), now, 1+r.IntN(NodeRows))
		}
		if err != nil && ctx.Err() == nil {
			n.log.Warn("demo node changes", "err", err)
		}
	}
}

func openNodeDB(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// populationRow is a synthetic person of the register (the demo catalog's
// generator for the police bureau's table).
func populationRow(r *rand.Rand, i int) []any { return populationRows()(r, i) }

var populationRows = sync.OnceValue(func() func(*rand.Rand, int) []any {
	for _, t := range demoTables() {
		if t.dept == "gaj" && t.table == nodeSourceTable {
			return t.rows
		}
	}
	panic("demo: no population table")
})

// seedNodeTable creates the police bureau's node table with NodeRows
// synthetic people, unless it exists.
func seedNodeTable(ctx context.Context, path string) error {
	db, err := openNodeDB(path)
	if err != nil {
		return err
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'population'").Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE population (id_number VARCHAR(18) NOT NULL PRIMARY KEY, name VARCHAR(50), gender VARCHAR(2),
		birth_date DATE, address VARCHAR(200), updated_at DATETIME)`); err != nil {
		return err
	}
	st, err := tx.PrepareContext(ctx, "INSERT OR IGNORE INTO population (id_number, name, gender, birth_date, address, updated_at) VALUES (?, ?, ?, ?, ?, ?)")
	if err != nil {
		return err
	}
	defer st.Close()
	r := rand.New(rand.NewPCG(20261208, 2))
	for i := 1; i <= NodeRows; i++ {
		if _, err := st.ExecContext(ctx, populationRow(r, i)...); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// noteTable gives the approval bureau's node database a table saying what
// it is (a node reports its tables; the channels create theirs).
func noteTable(ctx context.Context, path string) error {
	db, err := openNodeDB(path)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS 说明 (id INTEGER PRIMARY KEY, text TEXT)")
	if err == nil {
		_, err = db.ExecContext(ctx, "INSERT OR IGNORE INTO 说明 (id, text) VALUES (1, '行政审批局前置库（演示，合成数据）：共享通道和归集任务从公安局前置机写入此库')")
	}
	return err
}

// NodeTableRows counts the rows of table in the demo node of department
// key's database under dir (DATA-DIR/demo-nodes); 0 when it does not exist
// yet. For tests and the demo's own checks.
func NodeTableRows(ctx context.Context, dir, key, table string) (int, error) {
	for _, d := range DemoNodes {
		if d.Key != key {
			continue
		}
		db, err := openNodeDB(filepath.Join(dir, d.Key, d.File))
		if err != nil {
			return 0, err
		}
		defer db.Close()
		var c int
		err = db.QueryRowContext(ctx, "SELECT count(*) FROM \""+strings.ReplaceAll(table, `"`, `""`)+"\"").Scan(&c)
		if err != nil && strings.Contains(err.Error(), "no such table") {
			return 0, nil
		}
		return c, err
	}
	return 0, errors.New("demo: no node of department " + key)
}
