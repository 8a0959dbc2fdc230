package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

const catalogUsage = `govshare catalog: import and export catalog entries through a running platform

Usage:
  govshare catalog import FILE [--url URL] [--token TOKEN]
      import an .xlsx file made from the template, or a .json file; all or nothing,
      printing every problem with sheet, row and column
  govshare catalog export [--format xlsx|json|dcat] [--all] [--out FILE] [--url URL] [--token TOKEN]
      export your department's entries (--all: every entry you see; dcat: every
      open entry); importing your own export back changes nothing, and rows of
      other departments' entries that you left unchanged are set aside with a note

The token is an API token (console: 我的账户 → API 令牌), or set GOVSHARE_TOKEN;
the URL defaults to GOVSHARE_URL or http://127.0.0.1:8080.`

func catalogCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stdout, catalogUsage)
		if len(args) == 0 {
			return errors.New("name a catalog command: import or export")
		}
		return nil
	}
	fs := flag.NewFlagSet("catalog "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", firstNonEmpty(getenv("GOVSHARE_URL"), "http://127.0.0.1:8080"), "platform URL")
	token := fs.String("token", getenv("GOVSHARE_TOKEN"), "API token")
	format := fs.String("format", "json", "export format: xlsx, json or dcat")
	out := fs.String("out", "", "export to this file instead of standard output")
	all := fs.Bool("all", false, "export every entry you see, not only your department's")
	cmd, rest := args[0], args[1:]
	var file string
	if cmd == "import" && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		file, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if *token == "" {
		return errors.New("no API token: pass --token or set GOVSHARE_TOKEN")
	}
	client := &http.Client{Timeout: 10 * time.Minute}
	switch cmd {
	case "import":
		if file == "" && fs.NArg() > 0 {
			file = fs.Arg(0)
		}
		if file == "" {
			return errors.New("name the file to import")
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		part, err := mw.CreateFormFile("file", filepath.Base(file))
		if err != nil {
			return err
		}
		part.Write(data)
		mw.Close()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(*base, "/")+"/api/v1/catalog/import", &body)
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+*token)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		return printImport(resp, stdout)
	case "export":
		u := strings.TrimRight(*base, "/") + "/api/v1/catalog/export?format=" + url.QueryEscape(*format)
		if *all {
			u += "&scope=all"
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+*token)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return apiError(resp)
		}
		w := stdout
		if *out != "" {
			f, err := os.Create(*out)
			if err != nil {
				return err
			}
			defer f.Close()
			w = f
		}
		_, err = io.Copy(w, resp.Body)
		return err
	}
	fmt.Fprintln(stderr, catalogUsage)
	return fmt.Errorf("unknown catalog command %q", cmd)
}

func printImport(resp *http.Response, stdout io.Writer) error {
	var body struct {
		Created, Updated, Unchanged, Skipped int
		Code, Message                        string
		Problems, Notes                      []struct {
			Sheet, Column, Field, Message string
			Row                           int
		}
	}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &body); err != nil {
		return fmt.Errorf("import: HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(raw)))
	}
	if resp.StatusCode == http.StatusOK {
		fmt.Fprintf(stdout, "imported: %d created, %d updated, %d unchanged\n", body.Created, body.Updated, body.Unchanged)
		if body.Skipped > 0 {
			fmt.Fprintf(stdout, "left aside: %d rows of other departments' entries, unchanged\n", body.Skipped)
		}
		return nil
	}
	for _, p := range body.Problems {
		where := []string{}
		if p.Sheet != "" {
			where = append(where, p.Sheet)
		}
		if p.Row > 0 {
			where = append(where, fmt.Sprintf("row %d", p.Row))
		}
		if p.Column != "" {
			where = append(where, p.Column)
		} else if p.Field != "" {
			where = append(where, p.Field)
		}
		fmt.Fprintf(stdout, "%s: %s\n", strings.Join(where, ", "), p.Message)
	}
	return fmt.Errorf("import refused (HTTP %d, %s): %s; %d problems", resp.StatusCode, body.Code, body.Message, len(body.Problems))
}

func apiError(resp *http.Response) error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(raw)))
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
