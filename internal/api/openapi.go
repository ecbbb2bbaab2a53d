package api

import (
	_ "embed"
	"net/http"
)

//go:embed openapi.json
var openAPIDocument []byte

// OpenAPIDocument returns the OpenAPI 3.1 document describing every API route.
func OpenAPIDocument() []byte { return openAPIDocument }

// RegisterIndex adds the public routes: the API index and the OpenAPI document.
func RegisterIndex(rt *Router, version string) {
	rt.Public("GET", "/api/v1", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{"name": "Tandem", "version": version, "openapi": "/api/openapi.json"})
	})
	rt.mux.HandleFunc("GET /api/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(openAPIDocument)
	})
	// Anything else under /api/ is a problem+json 404, never an HTML page.
	rt.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, r, notFoundRoute)
	})
}

var notFoundRoute = &requestError{status: http.StatusNotFound, msg: "There is no API endpoint at this path. See /api/openapi.json."}
