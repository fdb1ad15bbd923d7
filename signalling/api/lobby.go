package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/lobby"
)

// LobbyList is the body of GET /api/v1/rooms/{room}/lobby.
type LobbyList struct {
	Guests []lobby.Guest `json:"guests"`
}

func (h *handler) lobbyOrProblem() *apiwire.Problem {
	if h.Lobby == nil {
		return newProblem(http.StatusNotFound, "lobby_disabled", "this server has no lobby")
	}
	return nil
}

func (h *handler) listLobby(req *request) *apiwire.Problem {
	if p := h.lobbyOrProblem(); p != nil {
		return p
	}
	room := req.r.PathValue("room")
	out := LobbyList{Guests: h.Lobby.Waiting(room)}
	if len(out.Guests) == 0 {
		// An empty lobby of a room that does not exist is a typo worth telling.
		if _, _, p := h.lookupRoom(req); p != nil {
			return p
		}
	}
	writeJSON(req.w, http.StatusOK, out)
	return nil
}

func (h *handler) admitGuest(req *request) *apiwire.Problem  { return h.decide(req, h.Lobby.Admit) }
func (h *handler) refuseGuest(req *request) *apiwire.Problem { return h.decide(req, h.Lobby.Refuse) }

func (h *handler) decide(req *request, fn func(room, identity string) error) *apiwire.Problem {
	if p := h.lobbyOrProblem(); p != nil {
		return p
	}
	room, identity := req.r.PathValue("room"), req.r.PathValue("identity")
	if err := fn(room, identity); err != nil {
		if errors.Is(err, lobby.ErrNotWaiting) {
			return newProblem(http.StatusNotFound, "guest_not_waiting",
				fmt.Sprintf("no guest %q is waiting in the lobby of room %q", identity, room))
		}
		return internal(h.log, req.r, err)
	}
	h.log.Info("lobby decision by API", "room", room, "participant", identity, "path", req.r.URL.Path)
	req.w.WriteHeader(http.StatusNoContent)
	return nil
}
