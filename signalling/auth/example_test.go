package auth_test

import (
	"fmt"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
)

func Example() {
	keys := auth.Keys{"mykey": "a-secret-of-at-least-32-characters!!"}
	grants := auth.DefaultParticipantGrants()
	grants.Sources = []string{"camera", "microphone"}
	token, err := auth.Sign("mykey", keys["mykey"], auth.TokenParams{
		Identity: "alice", Room: "standup", Grants: grants, TTL: time.Hour,
	})
	if err != nil {
		panic(err)
	}

	claims, err := auth.NewVerifier(keys).Verify(token)
	if err != nil {
		panic(err)
	}
	fmt.Println(claims.Identity(), claims.CheckJoin("standup"))
	fmt.Println(claims.CheckJoin("other"))
	fmt.Println(claims.CheckPublishSource("screen_share"))
	// Output:
	// alice <nil>
	// wrong_room: token is for room "standup", not for room "other"
	// missing_grant: token may not publish source "screen_share" (allowed: [camera microphone])
}
