package graphsim

// JWTs of the emulated Entra: minting access tokens and federated assertions,
// validating access tokens for Graph (authenticate), and checking the client
// assertions of token requests.

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// accessClaims are the claims of an app-only Graph access token, in the v1.0
// format Graph's tokens have, plus azp.
type accessClaims struct {
	jwt.RegisteredClaims          // aud, iss, sub (= oid), iat, nbf, exp
	AppID                string   `json:"appid"`
	AppIDAcr             string   `json:"appidacr"` // "1" secret, "2" certificate or assertion
	Azp                  string   `json:"azp"`
	Idp                  string   `json:"idp"`
	Idtyp                string   `json:"idtyp"`
	Oid                  string   `json:"oid"`
	Roles                []string `json:"roles,omitempty"` // absent without a grant (GRAPH.md)
	Tid                  string   `json:"tid"`
	Uti                  string   `json:"uti"`
	Ver                  string   `json:"ver"`
}

// mintedClaims is accessClaims with aud as a plain string, as Entra writes it
// (jwt's ClaimStrings writes an array by default, a package-wide setting).
type mintedClaims struct {
	accessClaims
	Aud string `json:"aud"` // shadows RegisteredClaims.Audience
}

// mint signs an access token for app, valid from now (whole seconds, as JWT
// times are) for lifetime, and returns it with its expiry.
func (t *tokenService) mint(app application, acr string, lifetime time.Duration, now time.Time) (string, time.Time, error) {
	iat := now.Truncate(time.Second)
	exp := now.Add(lifetime).Truncate(time.Second)
	iss := t.url + "/" + t.tenantID + "/"
	c := mintedClaims{Aud: t.url, accessClaims: accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    iss,
			Subject:   app.objectID,
			IssuedAt:  jwt.NewNumericDate(iat),
			NotBefore: jwt.NewNumericDate(iat),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
		AppID:    app.clientID,
		AppIDAcr: acr,
		Azp:      app.clientID,
		Idp:      iss,
		Idtyp:    "app",
		Oid:      app.objectID,
		Roles:    app.roles,
		Tid:      t.tenantID,
		Uti:      base64.RawURLEncoding.EncodeToString(uuidBytes()),
		Ver:      "1.0",
	}}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	tok.Header["kid"] = t.keyID
	s, err := tok.SignedString(t.key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("graphsim: sign access token: %w", err)
	}
	return s, exp, nil
}

func uuidBytes() []byte {
	u := uuid.New()
	return u[:]
}

// federatedAssertion signs a workload identity assertion for subject.
func (t *tokenService) federatedAssertion(subject string, now time.Time, lifetime time.Duration) (string, error) {
	c := jwt.RegisteredClaims{
		Issuer:    t.fedIssuer,
		Subject:   subject,
		Audience:  jwt.ClaimStrings{FederatedAudience},
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(lifetime)),
		ID:        uuid.NewString(),
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	tok.Header["kid"] = t.fedKeyID
	s, err := tok.SignedString(t.fedKey)
	if err != nil {
		return "", fmt.Errorf("graphsim: sign federated token: %w", err)
	}
	return s, nil
}

// keyID names a public key: base64url of the SHA-256 of its PKIX encoding.
func keyID(pub *ecdsa.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return uuid.NewString()
	}
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:20])
}

// ecJWK is pub as a JSON Web Key.
func ecJWK(pub *ecdsa.PublicKey, kid string) (map[string]string, error) {
	b, err := pub.Bytes() // 0x04 || X || Y
	if err != nil {
		return nil, err
	}
	n := (len(b) - 1) / 2
	return map[string]string{
		"kty": "EC", "use": "sig", "alg": "ES256", "crv": "P-256", "kid": kid,
		"x": base64.RawURLEncoding.EncodeToString(b[1 : 1+n]),
		"y": base64.RawURLEncoding.EncodeToString(b[1+n:]),
	}, nil
}

// tokenRefusal is Graph's 401 for an access token it does not accept.
func tokenRefusal(msg string) *apiError {
	return newAPIError(http.StatusUnauthorized, "InvalidAuthenticationToken", msg)
}

// authenticate checks the request's bearer token as Graph does: present, a JWT
// signed by this emulator's key, within its lifetime (no clock skew: the
// emulator and its clients share a clock), for this emulator's audience and
// tenant. It returns the principal the token speaks for, with the roles the
// token carries (not the application's current ones). It keeps no state and is
// safe for concurrent use.
func (t *tokenService) authenticate(r *http.Request) (principal, *apiError) {
	scheme, raw, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	raw = strings.TrimSpace(raw)
	if !strings.EqualFold(scheme, "Bearer") || raw == "" {
		return principal{}, tokenRefusal("Access token is empty.")
	}
	var c accessClaims
	if _, err := t.parser.ParseWithClaims(raw, &c, t.accessKey); err != nil {
		switch {
		case errors.Is(err, jwt.ErrTokenMalformed) && strings.Count(raw, ".") != 2:
			return principal{}, tokenRefusal("IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format. (JWS): 'EncodedHeader.EndcodedPayload.EncodedSignature'. (JWE): 'EncodedProtectedHeader.EncodedEncryptedKey.EncodedInitializationVector.EncodedCiphertext.EncodedAuthenticationTag'.")
		case errors.Is(err, jwt.ErrTokenMalformed):
			return principal{}, tokenRefusal("IDX14102: Unable to decode the header or payload of the JWT as Base64Url encoded JSON.")
		default:
			return principal{}, tokenRefusal("IDX10511: Signature validation failed. Keys tried: '[PII is hidden]'. kid: '[PII is hidden]'.")
		}
	}
	now := time.Now()
	if c.ExpiresAt == nil || !now.Before(c.ExpiresAt.Time) {
		return principal{}, tokenRefusal("Lifetime validation failed, the token is expired.")
	}
	if c.NotBefore != nil && now.Before(c.NotBefore.Time) {
		return principal{}, tokenRefusal("Lifetime validation failed, the token is not yet valid (nbf).")
	}
	if !slices.ContainsFunc(c.Audience, func(a string) bool { return strings.TrimSuffix(a, "/") == t.url }) {
		return principal{}, tokenRefusal("Access token validation failure. Invalid audience.")
	}
	if !strings.EqualFold(c.Tid, t.tenantID) {
		return principal{}, tokenRefusal("Access token validation failure. Invalid issuer.")
	}
	return principal{clientID: c.AppID, tenantID: c.Tid, roles: c.Roles}, nil
}

func (t *tokenService) accessKey(*jwt.Token) (any, error) { return &t.key.PublicKey, nil }

// checkAssertion authenticates app by a client assertion: self-issued
// (iss = sub = client id) and signed by one of its certificates, or federated
// (issued by URL+"/federation" for one of its federated subjects).
func (t *tokenService) checkAssertion(app application, raw string, now time.Time) *entraError {
	var c jwt.RegisteredClaims
	tok, _, err := t.assertions.ParseUnverified(raw, &c)
	if err != nil {
		return &entraError{status: http.StatusBadRequest, err: "invalid_request", code: 50027,
			message: "JWT token is invalid or malformed."}
	}
	if c.Issuer != "" && c.Issuer == c.Subject {
		return t.checkCertificateAssertion(app, raw, tok.Header, c, now)
	}
	return t.checkFederatedAssertion(app, raw, c, now)
}

const certCredentialsDoc = " Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials ."

func (t *tokenService) checkCertificateAssertion(app application, raw string, header map[string]any, c jwt.RegisteredClaims, now time.Time) *entraError {
	if !strings.EqualFold(c.Issuer, app.clientID) {
		return &entraError{status: http.StatusUnauthorized, err: "invalid_client", code: 700021,
			message: "Client assertion application identifier doesn't match 'client_id' parameter." + certCredentialsDoc}
	}
	thumb, cert := app.certificate(header)
	badSignature := func(reason string) *entraError {
		msg := fmt.Sprintf("Client assertion contains an invalid signature. [Reason - %s, Thumbprint of key used by client: '%s'", reason, thumb)
		if cert != nil {
			msg += fmt.Sprintf(", Found key 'Start=%s, End=%s'", cert.NotBefore.UTC().Format("01/02/2006 15:04:05"), cert.NotAfter.UTC().Format("01/02/2006 15:04:05"))
		} else {
			msg += fmt.Sprintf(", Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '%s'.", app.clientID)
		}
		return &entraError{status: http.StatusUnauthorized, err: "invalid_client", code: 700027, message: msg + "]"}
	}
	if cert == nil {
		return badSignature("The key was not found.")
	}
	if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return badSignature("The key used is expired.")
	}
	keyFunc := func(*jwt.Token) (any, error) { return cert.PublicKey, nil }
	if _, err := t.assertions.ParseWithClaims(raw, &jwt.RegisteredClaims{}, keyFunc); err != nil {
		return badSignature("The provided signature value did not match the expected signature value.")
	}
	if e := assertionTime(c, now); e != nil {
		return e
	}
	if !slices.ContainsFunc(c.Audience, t.tokenAudience) {
		return &entraError{status: http.StatusUnauthorized, err: "invalid_client", code: 700023,
			message: "Client assertion audience claim does not match Realm issuer." + certCredentialsDoc}
	}
	return nil
}

// tokenAudience reports whether aud names this tenant's token endpoint or
// issuer, the audiences Entra accepts in a client assertion.
func (t *tokenService) tokenAudience(aud string) bool {
	aud = strings.TrimSuffix(aud, "/")
	base := t.url + "/" + t.tenantID
	for _, ok := range []string{base + "/oauth2/v2.0/token", base + "/oauth2/token", base + "/v2.0", base} {
		if strings.EqualFold(aud, ok) {
			return true
		}
	}
	return false
}

// certificate finds the certificate named by the assertion header's x5t#S256
// or x5t, and returns the thumbprint as Entra shows it (upper-case hex).
func (a application) certificate(header map[string]any) (string, *x509.Certificate) {
	for _, name := range []string{"x5t#S256", "x5t"} {
		v, _ := header[name].(string)
		if v == "" {
			continue
		}
		b, ok := decodeThumbprint(v)
		if !ok {
			return v, nil
		}
		thumb := strings.ToUpper(hex.EncodeToString(b))
		for _, c := range a.certs {
			if (name == "x5t#S256" && string(b) == string(c.sha256[:])) || (name == "x5t" && string(b) == string(c.sha1[:])) {
				return thumb, c.cert
			}
		}
		return thumb, nil
	}
	return "", nil
}

// decodeThumbprint accepts base64url (RFC 7515) and standard base64, which
// MSAL sends.
func decodeThumbprint(v string) ([]byte, bool) {
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.StdEncoding, base64.RawStdEncoding} {
		if b, err := enc.DecodeString(v); err == nil {
			return b, true
		}
	}
	return nil, false
}

// assertionTime checks a client assertion's exp and nbf with Entra's skew.
func assertionTime(c jwt.RegisteredClaims, now time.Time) *entraError {
	const layout = "2006-01-02T15:04:05.0000000Z"
	var from, to string
	if c.NotBefore != nil {
		from = c.NotBefore.UTC().Format(layout)
	}
	if c.ExpiresAt != nil {
		to = c.ExpiresAt.UTC().Format(layout)
	}
	if c.ExpiresAt == nil || now.After(c.ExpiresAt.Add(assertionClockSkew)) ||
		(c.NotBefore != nil && now.Add(assertionClockSkew).Before(c.NotBefore.Time)) {
		return &entraError{status: http.StatusUnauthorized, err: "invalid_client", code: 700024,
			message: fmt.Sprintf("Client assertion is not within its valid time range. Current time: %s, assertion valid from %s, expiry time of assertion %s.%s",
				now.UTC().Format(layout), from, to, certCredentialsDoc)}
	}
	return nil
}

const ficHint = " Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation"

func (t *tokenService) checkFederatedAssertion(app application, raw string, c jwt.RegisteredClaims, now time.Time) *entraError {
	if c.Issuer != t.fedIssuer {
		return &entraError{status: http.StatusBadRequest, err: "invalid_request", code: 700211,
			message: fmt.Sprintf("No matching federated identity record found for presented assertion issuer '%s'.%s", c.Issuer, ficHint)}
	}
	keyFunc := func(*jwt.Token) (any, error) { return &t.fedKey.PublicKey, nil }
	if _, err := t.parser.ParseWithClaims(raw, &jwt.RegisteredClaims{}, keyFunc); err != nil {
		return &entraError{status: http.StatusUnauthorized, err: "invalid_client", code: 700027,
			message: "Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value.]"}
	}
	if e := assertionTime(c, now); e != nil {
		return e
	}
	if !slices.Contains(c.Audience, FederatedAudience) {
		return &entraError{status: http.StatusBadRequest, err: "invalid_request", code: 700212,
			message: fmt.Sprintf("No matching federated identity record found for presented assertion audience '%s'.%s", strings.Join(c.Audience, ","), ficHint)}
	}
	if !slices.Contains(app.subjects, c.Subject) {
		return &entraError{status: http.StatusBadRequest, err: "invalid_request", code: 700213,
			message: fmt.Sprintf("No matching federated identity record found for presented assertion subject '%s'.%s", c.Subject, ficHint)}
	}
	return nil
}
