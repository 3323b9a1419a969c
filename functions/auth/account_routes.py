"""Account routes: register, sign in, refresh, sign out, profile, password, TOTP MFA."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from functions.auth import accounts, mfa
from functions.auth.schemas import (
    ChangePasswordRequest,
    LoginRequest,
    LogoutRequest,
    Me,
    MfaCode,
    MfaDisable,
    MfaEnrolment,
    PasswordChanged,
    ProfileUpdate,
    RefreshRequest,
    RegisterRequest,
    StatusAnswer,
    TokenPairAnswer,
    UserPublic,
)
from shared.app_factory import group_router
from shared.auth.dependencies import AgentOrUser, CurrentPrincipal
from shared.auth.principal import Principal
from shared.errors import Forbidden, error_responses
from shared.identity.domain import User
from shared.ratelimit import client_ip
from shared.settings import get_settings

router = group_router(tags=["auth"])
ACCESS_COOKIE = "access_token"  # seed 000: the browser's credential, HttpOnly


def user_public(user: User) -> UserPublic:
    return UserPublic(
        id=user.user_id,
        email=user.email,
        full_name=user.full_name,
        team_id=user.team_id,
        role=user.role,
        disabled=user.disabled,
        mfa_enabled=user.mfa_enabled,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )


def _signed_in(response: Response, pair: accounts.TokenPair) -> TokenPairAnswer:
    response.set_cookie(
        ACCESS_COOKIE,
        pair.access_token,
        max_age=pair.expires_in,
        httponly=True,
        secure=not get_settings().is_local,
        samesite="strict",
    )
    return TokenPairAnswer(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )


def _person(principal: Principal) -> Principal:
    if not principal.is_user:
        raise Forbidden("Only a signed-in account has a profile, password and MFA")
    return principal


# First in the group: routes match in order, and this is the one clients call most.
@router.get(
    "/auth/me",
    response_model=Me,
    responses=error_responses(401),
    summary="Who the credential belongs to (agents too)",
)
async def me(principal: AgentOrUser) -> JSONResponse:
    # Built from the verified credential alone (no storage read). `Me` documents the shape;
    # building and dumping the model per call costs ~10 us of a ~190 us request (measured),
    # and the API tests hold this answer to `Me`.
    return JSONResponse(
        {
            "id": principal.subject,
            "team_id": principal.team_id,
            "role": principal.role,
            "auth": principal.via,
            "email": principal.email,
        }
    )


@router.post(
    "/auth/register",
    status_code=201,
    response_model=UserPublic,
    responses=error_responses(401, 409, 422, 429),
    summary="Create an account: admin of a new team, or a member of an inviting team",
)
def register(body: RegisterRequest, request: Request) -> UserPublic:
    ip = client_ip(request)
    accounts.REGISTER_PER_IP.hit(ip)
    user = accounts.register(body.email, body.password, body.full_name, body.invitation_token, ip)
    return user_public(user)


@router.post(
    "/auth/login",
    response_model=TokenPairAnswer,
    responses=error_responses(401, 422, 429),
    summary="Sign in: access and refresh tokens, and the HttpOnly access_token cookie",
)
def login(body: LoginRequest, request: Request, response: Response) -> TokenPairAnswer:
    pair = accounts.login(body.email, body.password, body.totp_code, client_ip(request))
    return _signed_in(response, pair)


@router.post(
    "/auth/refresh",
    response_model=TokenPairAnswer,
    responses=error_responses(401, 422, 429),
    summary="Rotate a refresh token: the old one dies; reusing a dead one ends the session",
)
async def refresh(body: RefreshRequest, request: Request, response: Response) -> TokenPairAnswer:
    accounts.REFRESH_PER_IP.hit(client_ip(request))
    return _signed_in(response, accounts.refresh(body.refresh_token, client_ip(request)))


@router.post(
    "/auth/logout",
    response_model=StatusAnswer,
    responses=error_responses(401, 403, 422),
    summary="End this session (and the one of the refresh token given)",
)
async def logout(
    principal: CurrentPrincipal,
    request: Request,
    response: Response,
    body: LogoutRequest | None = None,
) -> StatusAnswer:
    accounts.logout(_person(principal), body.refresh_token if body else None, client_ip(request))
    response.delete_cookie(ACCESS_COOKIE, httponly=True, samesite="strict")
    return StatusAnswer(status="logged_out")


@router.put(
    "/auth/me",
    response_model=UserPublic,
    responses=error_responses(401, 403, 422),
    summary="Update your profile",
)
async def update_me(body: ProfileUpdate, principal: CurrentPrincipal) -> UserPublic:
    return user_public(accounts.update_profile(_person(principal), body.full_name))


@router.post(
    "/auth/change-password",
    response_model=PasswordChanged,
    responses=error_responses(401, 403, 422, 429),
    summary="Change your password; your other sessions end",
)
def change_password(
    body: ChangePasswordRequest, principal: CurrentPrincipal, request: Request
) -> PasswordChanged:
    revoked = accounts.change_password(
        _person(principal), body.current_password, body.new_password, client_ip(request)
    )
    return PasswordChanged(sessions_revoked=revoked)


@router.post(
    "/auth/mfa/setup",
    response_model=MfaEnrolment,
    responses=error_responses(401, 403, 409),
    summary="Start TOTP enrolment: the otpauth URI and its QR code (PNG, base64)",
)
async def mfa_setup(principal: CurrentPrincipal) -> MfaEnrolment:
    enrolment = mfa.setup(_person(principal))
    return MfaEnrolment(otpauth_uri=enrolment.otpauth_uri, qr_png_base64=enrolment.qr_png_base64)


@router.post(
    "/auth/mfa/verify",
    response_model=StatusAnswer,
    responses=error_responses(401, 403, 409, 422, 429),
    summary="Enable TOTP with a first code from the enrolled device",
)
async def mfa_verify(body: MfaCode, principal: CurrentPrincipal, request: Request) -> StatusAnswer:
    mfa.verify(_person(principal), body.code, client_ip(request))
    return StatusAnswer(status="mfa_enabled")


@router.post(
    "/auth/mfa/disable",
    response_model=StatusAnswer,
    responses=error_responses(401, 403, 409, 422, 429),
    summary="Turn TOTP off: needs a current code and the password",
)
def mfa_disable(body: MfaDisable, principal: CurrentPrincipal, request: Request) -> StatusAnswer:
    mfa.disable(_person(principal), body.code, body.password, client_ip(request))
    return StatusAnswer(status="mfa_disabled")
