// Package web is SentryPeer's browser dashboard: one HTML page, a style sheet
// and a few ES2020 modules, embedded in the binary with go:embed and served by
// [Handler]. The page needs no build step and fetches nothing from other hosts;
// it reads the JSON API of package httpapi on the same origin (stats, events,
// checks and the Server-Sent Events stream), sending the API key that the user
// types as "X-Api-Key".
//
// The page only ever asks for pages of events and for aggregates, so it stays
// responsive however many events the store holds. Everything the API returns
// is attacker-controlled and is put into the page as text, never as markup; a
// strict Content-Security-Policy backs that up.
package web
