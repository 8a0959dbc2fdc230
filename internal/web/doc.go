// Package web is the console (管理控制台): server-rendered templates with
// htmx, Chinese first with English second. Templates, message catalogues
// and static assets are embedded; templates are parsed once at start-up and
// rendered into a buffer, so a template error is a clean 500. Sessions live
// in an HttpOnly cookie; cross-origin form posts are refused by the
// server's cross-origin protection.
package web
