package index

// methodNames are the methods the index tells apart; the rest are
// "OTHER", and responses or unreadable start lines "NONE". The list is
// fixed so that a method is one byte per event and one bit per entry.
var methodNames = [...]string{
	"NONE", "OTHER", "INVITE", "REGISTER", "OPTIONS", "ACK", "BYE", "CANCEL",
	"SUBSCRIBE", "NOTIFY", "MESSAGE", "INFO", "PRACK", "UPDATE", "REFER", "PUBLISH",
}

const nMethods = len(methodNames)

func methodIndex(m string) uint8 {
	if m == "" {
		return 0
	}
	for i := 2; i < nMethods; i++ {
		if methodNames[i] == m {
			return uint8(i)
		}
	}
	return 1
}

func methodList(bits uint16) []string {
	out := []string{}
	for i := range nMethods {
		if bits&(1<<i) != 0 {
			out = append(out, methodNames[i])
		}
	}
	return out
}
