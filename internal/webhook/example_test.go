package webhook_test

import (
	"fmt"

	"github.com/sentrypeer/sentrypeer/internal/webhook"
)

func ExampleSign() {
	body := []byte(`{"app_name":"sentrypeer"}`)
	sig := webhook.Sign("0123456789abcdef", "1700000000", body)
	fmt.Println(sig)
	fmt.Println(webhook.Verify("0123456789abcdef", "1700000000", body, sig))
	fmt.Println(webhook.Verify("0123456789abcdef", "1700000001", body, sig))
	// Output:
	// sha256=a1fb16fb294e48bb1f05693b9eb0e5ceef0715f796268466a93270593a0876a4
	// true
	// false
}
