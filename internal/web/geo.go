package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

const mapPath = "/map"

// geoRoutes serves the map (地图): the page holds no data; its script reads
// the layers the user may see from /geo/collections and draws their vector
// tiles from /geo/tiles, both under the user's session and grants.
func (s *server) geoRoutes(r chi.Router) {
	r.Get(mapPath, s.mapPage)
}

func (s *server) mapPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "map", view{Title: "map.title", Active: mapPath})
}
