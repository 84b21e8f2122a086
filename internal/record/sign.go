package record

import "crypto/ed25519"

// Sign sets r.Reporter to priv's public key and r.Signature to priv's
// signature over [Record.SigningBytes]. Set every other field first: any
// later change invalidates the signature. When priv is not an Ed25519
// private key, or r cannot be encoded (see [Marshal]), Sign leaves
// Signature nil, so that [Marshal] and [Validate] report the problem.
func (r *Record) Sign(priv ed25519.PrivateKey) {
	r.Signature = nil
	if len(priv) != ed25519.PrivateKeySize {
		r.Reporter = nil
		return
	}
	r.Reporter = priv.Public().(ed25519.PublicKey)
	if msg := r.SigningBytes(); msg != nil {
		r.Signature = ed25519.Sign(priv, msg)
	}
}

// verify reports whether Signature is Reporter's signature over r.
func (r *Record) verify() bool {
	if len(r.Reporter) != ed25519.PublicKeySize || len(r.Signature) != ed25519.SignatureSize {
		return false // ed25519.Verify panics on a short key
	}
	msg := r.SigningBytes()
	return msg != nil && ed25519.Verify(r.Reporter, msg, r.Signature)
}
