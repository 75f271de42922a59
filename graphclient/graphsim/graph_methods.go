package graphsim

// The phoneMethods operations: list, get, create, update, delete,
// enableSmsSignIn and disableSmsSignIn, as GRAPH.md describes them, with the
// knobs' variants. Each runs under the directory's lock through withUser or
// withMethod.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// methodJSON is a phoneAuthenticationMethod on the wire.
type methodJSON struct {
	ODataType      string `json:"@odata.type"`
	ID             string `json:"id"`
	PhoneNumber    string `json:"phoneNumber"`
	PhoneType      string `json:"phoneType"`
	SmsSignInState string `json:"smsSignInState"`
}

// view is how a client sees a method: with the reason-hiding refusal styles,
// the state never tells why SMS sign-in is off.
func view(m PhoneMethod, k Knobs) methodJSON {
	st := m.SmsSignInState
	if hidesState(k) && (st == StateNotAllowedByPolicy || st == StatePhoneNumberNotUnique) {
		st = StateNotEnabled
	}
	return methodJSON{ODataType: odataType, ID: m.ID, PhoneNumber: m.PhoneNumber, PhoneType: m.PhoneType, SmsSignInState: st}
}

func hidesState(k Knobs) bool {
	return k.SmsRefusal == RefusalCodeOnly || k.SmsRefusal == RefusalSilent
}

func (em *Emulator) odataContext(r *http.Request, u *user, suffix string) string {
	return fmt.Sprintf("%s/%s/$metadata#users('%s')/authentication/phoneMethods%s",
		em.url, strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")[0], url.PathEscape(u.id), suffix)
}

// userOp is an operation on the user the request's path names; it runs with
// the directory locked and returns what a graphHandler returns.
type userOp func(d *directory, u *user) (int, any, *apiError)

// methodOp is a userOp on one of the user's existing phone methods, of type t.
type methodOp func(d *directory, u *user, t string) (int, any, *apiError)

// withUser locks the directory, finds the user in the path (creating it when
// the directory auto-creates users) and runs op; an unknown user is Graph's
// 404 Request_ResourceNotFound and op does not run.
func (em *Emulator) withUser(r *http.Request, op userOp) (int, any, *apiError) {
	d := em.dir
	d.mu.Lock()
	defer d.mu.Unlock()
	u, aerr := d.find(r.PathValue("user"))
	if aerr != nil {
		return 0, nil, aerr
	}
	return op(d, u)
}

// withMethod is withUser for the phone method in the path: a method id that is
// not one of the fixed ids, or names a phone the user does not have, is the
// 404 itemNotFound. The user is looked up (or auto-created) first, as Graph
// does.
func (em *Emulator) withMethod(r *http.Request, op methodOp) (int, any, *apiError) {
	return em.withUser(r, func(d *directory, u *user) (int, any, *apiError) {
		id := r.PathValue("method")
		t, ok := typeOfMethodID(id)
		if !ok || u.phones[t] == "" {
			return 0, nil, methodNotFound(id)
		}
		return op(d, u, t)
	})
}

func methodNotFound(id string) *apiError {
	return newAPIError(http.StatusNotFound, codeNotFound, fmt.Sprintf("The phone method '%s' was not found for this user.", id))
}

func (em *Emulator) handleList(r *http.Request, _ []byte, k Knobs) (int, any, *apiError) {
	return em.withUser(r, func(_ *directory, u *user) (int, any, *apiError) {
		value := []methodJSON{}
		for _, m := range u.methods() {
			value = append(value, view(m, k))
		}
		return http.StatusOK, map[string]any{"@odata.context": em.odataContext(r, u, ""), "value": value}, nil
	})
}

func (em *Emulator) handleGet(r *http.Request, _ []byte, k Knobs) (int, any, *apiError) {
	return em.withMethod(r, func(_ *directory, u *user, t string) (int, any, *apiError) {
		return http.StatusOK, view(u.method(t), k), nil
	})
}

// phoneBody is a create or update body. Fields are pointers so that "sent"
// and "sent empty" differ.
type phoneBody struct {
	PhoneNumber    *string `json:"phoneNumber"`
	PhoneType      *string `json:"phoneType"`
	SmsSignInState *string `json:"smsSignInState"`
	ID             *string `json:"id"`
}

// parsePhoneBody decodes a create or update body as Graph would: a JSON object,
// known properties only, smsSignInState refused (read-only).
func parsePhoneBody(body []byte) (phoneBody, *apiError) {
	var pb phoneBody
	bad := func(msg string) (phoneBody, *apiError) {
		return phoneBody{}, newAPIError(http.StatusBadRequest, codeBadRequest, msg)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return bad("Empty Payload. JSON content expected.")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return bad("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
	}
	for name, v := range raw {
		var err error
		switch name {
		case "phoneNumber":
			err = json.Unmarshal(v, &pb.PhoneNumber)
		case "phoneType":
			err = json.Unmarshal(v, &pb.PhoneType)
		case "smsSignInState":
			err = json.Unmarshal(v, &pb.SmsSignInState)
			if err == nil {
				return bad("The property 'smsSignInState' is read-only and cannot be set.")
			}
		case "id":
			err = json.Unmarshal(v, &pb.ID)
		case "@odata.type":
			var ot string
			err = json.Unmarshal(v, &ot)
			if err == nil && ot != odataType && ot != strings.TrimPrefix(odataType, "#") {
				return bad(fmt.Sprintf("A type named '%s' could not be resolved by the model.", ot))
			}
		default:
			return bad(fmt.Sprintf("The property '%s' does not exist on type 'microsoft.graph.phoneAuthenticationMethod'.", name))
		}
		if err != nil {
			return bad(fmt.Sprintf("Cannot convert the literal for property '%s' to the expected type 'Edm.String'.", name))
		}
	}
	return pb, nil
}

func invalidNumber(n string) *apiError {
	return newAPIError(http.StatusBadRequest, codeInvalidRequest,
		fmt.Sprintf("Invalid phone number %q: phone numbers use the format \"+<country code> <number>x<extension>\", with extension optional.", n))
}

func (em *Emulator) handleCreate(r *http.Request, body []byte, k Knobs) (int, any, *apiError) {
	pb, aerr := parsePhoneBody(body)
	if aerr != nil {
		return 0, nil, aerr
	}
	if pb.PhoneType == nil || pb.PhoneNumber == nil {
		return 0, nil, newAPIError(http.StatusBadRequest, codeBadRequest, "Both phoneNumber and phoneType are required.")
	}
	t := *pb.PhoneType
	if _, ok := methodIDs[t]; !ok {
		return 0, nil, newAPIError(http.StatusBadRequest, codeBadRequest,
			fmt.Sprintf("The phoneType '%s' is not valid: use mobile, alternateMobile or office.", t))
	}
	if !graphNumber.MatchString(*pb.PhoneNumber) {
		return 0, nil, invalidNumber(*pb.PhoneNumber)
	}
	return em.withUser(r, func(d *directory, u *user) (int, any, *apiError) {
		if u.phones[t] != "" {
			status, code := http.StatusBadRequest, codeBadRequest
			if k.DuplicateTypeConflict {
				status, code = http.StatusConflict, codeConflict
			}
			return 0, nil, newAPIError(status, code, fmt.Sprintf("The user already has a phone method of type %s.", t))
		}
		if t == TypeAlternateMobile && u.phones[TypeMobile] == "" {
			return 0, nil, newAPIError(http.StatusBadRequest, codeBadRequest, "An alternateMobile phone requires a mobile phone to be registered first.")
		}
		u.phones[t] = *pb.PhoneNumber
		info(r).applied = true
		if t == TypeMobile && d.autoRegister(u) && k.NotUniqueConflict {
			return 0, nil, notUniqueConflict()
		}
		status := http.StatusCreated
		if k.Create200 {
			status = http.StatusOK
		}
		m := view(u.method(t), k)
		out := struct {
			Context string `json:"@odata.context"`
			methodJSON
		}{em.odataContext(r, u, "/$entity"), m}
		return status, out, nil
	})
}

// notUniqueConflict is the NotUniqueConflict quirk's answer to a write whose
// automatic SMS sign-in registration collided (the write is applied).
func notUniqueConflict() *apiError {
	return newAPIError(http.StatusConflict, codeNotUnique, "The phone number is already registered for SMS sign-in by another user.")
}

func (em *Emulator) handleUpdate(r *http.Request, body []byte, k Knobs) (int, any, *apiError) {
	pb, aerr := parsePhoneBody(body)
	if aerr != nil {
		return 0, nil, aerr
	}
	return em.withMethod(r, func(d *directory, u *user, t string) (int, any, *apiError) {
		if pb.PhoneType != nil && *pb.PhoneType != t {
			return 0, nil, newAPIError(http.StatusBadRequest, codeBadRequest, "The phoneType of a phone method cannot be changed.")
		}
		if pb.ID != nil && !strings.EqualFold(*pb.ID, methodIDs[t]) {
			return 0, nil, newAPIError(http.StatusBadRequest, codeBadRequest, "The id of a phone method cannot be changed.")
		}
		if pb.PhoneNumber == nil {
			return 0, nil, newAPIError(http.StatusBadRequest, codeBadRequest, "phoneNumber is required.")
		}
		if !graphNumber.MatchString(*pb.PhoneNumber) {
			return 0, nil, invalidNumber(*pb.PhoneNumber)
		}
		collided := false
		if u.phones[t] != *pb.PhoneNumber {
			if t == TypeMobile {
				d.unregister(u)
			}
			u.phones[t] = *pb.PhoneNumber
			info(r).applied = true
			if t == TypeMobile {
				collided = d.autoRegister(u)
			}
		}
		if collided && k.NotUniqueConflict {
			return 0, nil, notUniqueConflict()
		}
		if k.Legacy200 {
			return http.StatusOK, view(u.method(t), k), nil
		}
		return http.StatusNoContent, nil, nil
	})
}

func (em *Emulator) handleDelete(r *http.Request, _ []byte, _ Knobs) (int, any, *apiError) {
	return em.withMethod(r, func(d *directory, u *user, t string) (int, any, *apiError) {
		if t == TypeMobile && u.phones[TypeAlternateMobile] != "" {
			return 0, nil, newAPIError(http.StatusBadRequest, codeBadRequest, "The mobile phone cannot be deleted while an alternateMobile phone is registered.")
		}
		if t == u.defaultMethod {
			return 0, nil, newAPIError(http.StatusBadRequest, codeBadRequest, "The default authentication method cannot be deleted.")
		}
		if t == TypeMobile {
			d.unregister(u)
		}
		delete(u.phones, t)
		info(r).applied = true
		return http.StatusNoContent, nil, nil
	})
}

func (em *Emulator) handleEnable(r *http.Request, _ []byte, k Knobs) (int, any, *apiError) {
	return em.withMethod(r, func(d *directory, u *user, t string) (int, any, *apiError) {
		if t != TypeMobile {
			return 0, nil, newAPIError(http.StatusBadRequest, codeBadRequest, "SMS sign-in can be enabled only on a mobile phone method.")
		}
		ok := http.StatusNoContent
		if k.Legacy200 {
			ok = http.StatusOK
		}
		if u.smsEnabled {
			return ok, nil, nil
		}
		if u.smsDisallowed {
			return 0, nil, smsRefusal(k, codePolicyDisallows, "The user is not enabled for SMS sign-in by the authentication methods policy.")
		}
		if !d.register(u) {
			return 0, nil, smsRefusal(k, codeNotUnique, "The phone number is already registered for SMS sign-in by another user.")
		}
		info(r).applied = true
		return ok, nil, nil
	})
}

// smsRefusal is a refused enableSmsSignIn in the configured style.
func smsRefusal(k Knobs, code, message string) *apiError {
	if k.SmsRefusal == RefusalStateOnly || k.SmsRefusal == RefusalSilent {
		return newAPIError(http.StatusBadRequest, codeBadRequest, "SMS sign-in could not be enabled for this phone method.")
	}
	return newAPIError(http.StatusBadRequest, code, message)
}

func (em *Emulator) handleDisable(r *http.Request, _ []byte, _ Knobs) (int, any, *apiError) {
	return em.withMethod(r, func(d *directory, u *user, t string) (int, any, *apiError) {
		if t != TypeMobile {
			return 0, nil, newAPIError(http.StatusBadRequest, codeBadRequest, "SMS sign-in can be disabled only on a mobile phone method.")
		}
		if u.smsEnabled || u.smsNotUnique {
			d.unregister(u)
			info(r).applied = true
		}
		return http.StatusNoContent, nil, nil
	})
}
