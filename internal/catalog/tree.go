package catalog

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
)

// ClassItems are the 项 (second-level classes) of base and thematic
// resources, as the 2017 guide lists them (domain.md §1.1), numbered 01, 02,
// ... in the guide's order. The guide names them but gives no numeric codes,
// so the numbering is this platform's; departmental 项 have no names (a
// province numbers its departments), and no 目 has one.
var ClassItems = map[string]Enum{
	"base": {
		{"01", "国家人口基础信息资源", "Population"},
		{"02", "法人单位基础信息资源", "Legal entities"},
		{"03", "自然资源和空间地理基础信息资源", "Natural resources and spatial geography"},
		{"04", "社会信用基础信息资源", "Social credit"},
		{"05", "电子证照基础信息资源", "Electronic licences"},
	},
	"thematic": {
		{"01", "公共服务", "Public services"},
		{"02", "健康保障", "Health"},
		{"03", "社会保障", "Social security"},
		{"04", "食品药品安全", "Food and drug safety"},
		{"05", "安全生产", "Work safety"},
		{"06", "价格监管", "Price regulation"},
		{"07", "能源安全", "Energy security"},
		{"08", "信用体系", "Credit system"},
		{"09", "城乡建设", "Urban and rural construction"},
		{"10", "社区治理", "Community governance"},
		{"11", "生态环保", "Ecology and environment"},
		{"12", "应急维稳", "Emergency response and stability"},
	},
}

// Kinds of tree node.
const (
	NodeRegion     = "region"
	NodeDepartment = "department"
	NodeClass      = "class"    // 类
	NodeItem       = "item"     // 项
	NodeSubItem    = "sub_item" // 目
)

// TreeNode is one node of a catalog tree (目录树) with the number of
// matching entries under it. Value is what filters the list to the node:
// a region code (Query.Region), a department id (Query.ProviderID) or a
// classification prefix (Query.Class).
type TreeNode struct {
	Kind     string     `json:"kind" enum:"region,department,class,item,sub_item"`
	Value    string     `json:"value"`
	Name     string     `json:"name" doc:"In Chinese; region and department names as the organisation gives them"`
	NameEN   string     `json:"name_en,omitempty"`
	Count    int        `json:"count"`
	Children []TreeNode `json:"children,omitempty"`
}

// Label is the node's name in lang; names of departments and regions are
// data and stay as they are.
func (n TreeNode) Label(lang string) string {
	if lang == "en" && n.NameEN != "" {
		return n.NameEN
	}
	return n.Name
}

// Trees are the two catalog trees of a search: by department (regions as
// the organisation nests them, and their departments) and by class (类,
// 项, 目 of the resource code). Each tree counts the entries that match
// every filter but its own, so that choosing a node leaves its siblings
// in view.
type Trees struct {
	Departments []TreeNode `json:"departments"`
	Classes     []TreeNode `json:"classes"`
}

// classPattern is a classification prefix Query.Class takes: a 类, a 类
// and 项, or a 类, 项 and 目.
var classPattern = regexp.MustCompile(`^[1-3]([0-9]{2}([0-9]{3})?)?$`)

// ValidClass reports whether s is a classification prefix Query.Class takes.
func ValidClass(s string) bool { return classPattern.MatchString(s) }

// regionPattern is a division code (区划代码) Query.Region takes: 6 digits
// to the county, up to 12 below it.
var regionPattern = regexp.MustCompile(`^[0-9]{6,12}$`)

// ValidRegion reports whether s is a division code Query.Region takes.
func ValidRegion(s string) bool { return regionPattern.MatchString(s) }

// classKey is the 类, 项 and 目 of a rendered code, or "" when code does
// not parse under the profile (an entry imported under another one).
func (s *Service) classKey(code string) string {
	c, err := s.profile.Parse(code)
	if err != nil {
		return ""
	}
	return c.Class + c.Item + c.SubItem
}

type treeDept struct {
	id           int64
	name, region string
}

type treeRegion struct{ code, name, parent string }

// orgTree reads the departments and regions the department tree is built from.
func (s *Service) orgTree(ctx context.Context) ([]treeDept, map[string]treeRegion, error) {
	rows, err := s.db.Query(ctx, "SELECT id, name, region_code FROM departments ORDER BY id")
	if err != nil {
		return nil, nil, fmt.Errorf("tree departments: %w", err)
	}
	var depts []treeDept
	for rows.Next() {
		var d treeDept
		if err := rows.Scan(&d.id, &d.name, &d.region); err != nil {
			rows.Close()
			return nil, nil, err
		}
		depts = append(depts, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	rows, err = s.db.Query(ctx, "SELECT code, name, COALESCE(parent_code, '') FROM regions ORDER BY code")
	if err != nil {
		return nil, nil, fmt.Errorf("tree regions: %w", err)
	}
	defer rows.Close()
	regions := map[string]treeRegion{}
	for rows.Next() {
		var r treeRegion
		if err := rows.Scan(&r.code, &r.name, &r.parent); err != nil {
			return nil, nil, err
		}
		regions[r.code] = r
	}
	return depts, regions, rows.Err()
}

// regionProviders returns the departments of region and the regions under it.
func regionProviders(depts []treeDept, regions map[string]treeRegion, region string) map[int64]bool {
	out := map[int64]bool{}
	for _, d := range depts {
		for code, n := d.region, 0; code != "" && n < 10; code, n = regions[code].parent, n+1 {
			if code == region {
				out[d.id] = true
				break
			}
		}
	}
	return out
}

// departmentTree nests the departments with entries under their regions.
func departmentTree(depts []treeDept, regions map[string]treeRegion, counts map[int64]int) []TreeNode {
	type regionNode struct {
		node     TreeNode
		children []string
	}
	nodes := map[string]*regionNode{}
	var roots []string
	var ensure func(code string, depth int) *regionNode
	ensure = func(code string, depth int) *regionNode {
		if n, ok := nodes[code]; ok {
			return n
		}
		r := regions[code]
		name := r.name
		if name == "" {
			name = code
		}
		n := &regionNode{node: TreeNode{Kind: NodeRegion, Value: code, Name: name}}
		nodes[code] = n
		if _, ok := regions[r.parent]; ok && depth < 10 {
			p := ensure(r.parent, depth+1)
			p.children = append(p.children, code)
		} else {
			roots = append(roots, code)
		}
		return n
	}
	for _, d := range depts {
		if counts[d.id] == 0 {
			continue
		}
		n := ensure(d.region, 0)
		n.node.Children = append(n.node.Children, TreeNode{Kind: NodeDepartment, Value: strconv.FormatInt(d.id, 10), Name: d.name, Count: counts[d.id]})
	}
	var build func(code string) TreeNode
	build = func(code string) TreeNode {
		n := nodes[code]
		out := n.node
		sortNodes(out.Children)
		sort.Strings(n.children)
		for _, c := range n.children {
			out.Children = append(out.Children, build(c))
		}
		for _, c := range out.Children {
			out.Count += c.Count
		}
		return out
	}
	sort.Strings(roots)
	out := make([]TreeNode, 0, len(roots))
	for _, code := range roots {
		out = append(out, build(code))
	}
	return out
}

// sortNodes orders departments by their entries, most first, then by name.
func sortNodes(ns []TreeNode) {
	sort.SliceStable(ns, func(i, j int) bool {
		if ns[i].Count != ns[j].Count {
			return ns[i].Count > ns[j].Count
		}
		return ns[i].Name < ns[j].Name
	})
}

// classTree nests the counts by 类, 项 and 目, in code order.
func classTree(counts map[string]int) []TreeNode {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		if len(k) >= 6 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []TreeNode
	for _, k := range keys {
		class, item, sub := k[:1], k[1:3], k[3:6]
		cat := CategoryOfClass(class)
		if len(out) == 0 || out[len(out)-1].Value != class {
			out = append(out, TreeNode{Kind: NodeClass, Value: class, Name: Categories.Label(cat, "zh-CN"), NameEN: Categories.Label(cat, "en")})
		}
		c := &out[len(out)-1]
		if len(c.Children) == 0 || c.Children[len(c.Children)-1].Value != class+item {
			n := TreeNode{Kind: NodeItem, Value: class + item, Name: "项 " + item, NameEN: "Item " + item}
			if names, ok := ClassItems[cat]; ok && names.Valid(item) {
				n.Name, n.NameEN = item+" "+names.Label(item, "zh-CN"), item+" "+names.Label(item, "en")
			}
			c.Children = append(c.Children, n)
		}
		it := &c.Children[len(c.Children)-1]
		it.Children = append(it.Children, TreeNode{Kind: NodeSubItem, Value: k[:6], Name: "目 " + sub, NameEN: "Sub-item " + sub, Count: counts[k]})
		it.Count += counts[k]
		c.Count += counts[k]
	}
	return out
}
