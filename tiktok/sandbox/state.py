"""The sandbox's mutable state: the world, its clock, tokens, subscriptions and life-cycle moves."""

from __future__ import annotations

import bisect
import heapq
import itertools
import random
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tiktok.events import WEBHOOK_EVENT_TYPES

from . import names
from .config import SandboxConfig
from .data import (
    ALL_SCOPES,
    AWAITING_COLLECTION,
    AWAITING_SHIPMENT,
    CANCELLED,
    COMPLETED,
    DELIVERED,
    FATE_BUYER_CANCEL,
    IN_TRANSIT,
    ON_HOLD,
    ORDER_STATUSES,
    PARTIALLY_SHIPPING,
    UNPAID,
    AfterSale,
    Seller,
    Shop,
    World,
    generate,
    timeline,
)
from .views import SHIPPED_PACKAGE_STATUSES, buyer, facts, packages


class SandboxError(Exception):
    """A business error answered in the envelope."""

    def __init__(self, code: int, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass
class Grant:
    """One seller authorization: the shops and scopes its tokens cover."""

    id: str
    seller_id: str
    shop_nos: list[int]
    scopes: list[str]
    created: int
    revoked: bool = False


@dataclass
class Token:
    """An access or refresh token."""

    value: str
    grant_id: str
    expires: int


@dataclass
class AuthCode:
    """A one-time code from the consent page (30 minutes, single use)."""

    value: str
    seller_id: str
    scopes: list[str]
    expires: int
    used: bool = False


@dataclass
class Change:
    """A write the sandbox applied, for the control API."""

    seq: int
    time: int
    kind: str
    shop_id: str | None
    detail: dict[str, Any] = field(default_factory=dict)


class Store:
    """All state behind one lock; API handlers hold the lock for the whole request."""

    def __init__(self, cfg: SandboxConfig) -> None:
        self.cfg = cfg
        self.lock = threading.RLock()
        self.offset = 0
        self.notify: Callable[[Shop | None, str, dict[str, Any]], None] | None = None
        self._notification_ids = itertools.count(1)
        self._inventory_events = itertools.count(1)
        self.load()

    # -- world -------------------------------------------------------------------------------
    def load(self) -> None:
        """(Re)generate the world from the config and forget tokens, subscriptions and changes."""
        started = time.perf_counter()
        self.world: World = generate(self.cfg)
        self.generated_in = time.perf_counter() - started
        self.codes: dict[str, AuthCode] = {}
        self.grants: dict[str, Grant] = {}
        self.access: dict[str, Token] = {}
        self.refresh: dict[str, Token] = {}
        self.subscriptions: dict[tuple[int, str], dict[str, Any]] = {}
        self.changes: list[Change] = []
        # (endpoint template, idempotency key) → writes received and applied, for proofs like
        # "applied exactly once"
        self.writes: dict[tuple[str, str], dict[str, Any]] = {}
        self._seq = itertools.count(1)
        self.due: list[tuple[int, int, int, int, str]] = []
        self._due_seq = itertools.count()
        self.rng = random.Random(f"{self.cfg.seed}/live")
        self.statement_cache: dict[tuple[int, int], dict[str, Any]] = {}
        # (shop, idempotency key) -> cancellation a seller's Cancel Order made with it
        self.seller_cancel_keys: dict[tuple[int, str], str] = {}
        self._schedule_generated()

    def _schedule_generated(self) -> None:
        anchor = self.world.anchor
        for shop in self.world.shops:
            table = shop.orders
            idx = len(table) - 1
            while idx >= 0 and table.create[idx] >= anchor - 4 * 86400:
                t = timeline(table.create[idx], table.bits[idx])
                status = table.status[idx]
                if status == UNPAID:
                    self.schedule(t.paid, shop, idx, "pay")
                elif status == ON_HOLD:
                    self.schedule(t.avail, shop, idx, "release_hold")
                elif (
                    status == AWAITING_SHIPMENT and t.fate == FATE_BUYER_CANCEL and t.cancel_request
                ):
                    self.schedule(t.cancel, shop, idx, "auto_cancel")
                idx -= 1

    def schedule(self, when: int, shop: Shop, idx: int, kind: str) -> None:
        """Run a life-cycle step for an order once the sandbox clock reaches `when`."""
        heapq.heappush(self.due, (when, next(self._due_seq), shop.no, idx, kind))

    def now(self) -> int:
        """The sandbox clock: real time plus the offset the control API advanced it by."""
        return int(time.time()) + self.offset

    def advance(self, seconds: int) -> None:
        """Move the sandbox clock forward and run whatever fell due."""
        self.offset += max(int(seconds), 0)
        self.tick()

    def tick(self) -> None:
        """Apply the time-driven steps that are due (payment, the 1-hour hold, auto-approvals)."""
        now = self.now()
        while self.due and self.due[0][0] <= now:
            when, _seq, shop_no, idx, kind = heapq.heappop(self.due)
            shop = self.world.shops[shop_no]
            status = shop.orders.status[idx]
            # steps carry the time they were due (a clock jump runs a whole chain at once);
            # update_time is still now, so incremental syncs never miss them
            if kind == "pay" and status == UNPAID:
                self.pay(shop, idx, at=when)
            elif kind == "release_hold" and status == ON_HOLD:
                self.set_status(shop, idx, AWAITING_SHIPMENT, avail=when)
            elif kind == "auto_cancel" and status == AWAITING_SHIPMENT:
                pending = [
                    shop.cancellations[c]
                    for c in shop.order_aftersales.get(idx, [])
                    if c in shop.cancellations
                    and shop.cancellations[c].status == "CANCELLATION_REQUEST_PENDING"
                ]
                for rec in pending:
                    self.approve_cancellation(shop, rec, role="SYSTEM")

    # -- lookups -----------------------------------------------------------------------------
    def shop_by_cipher(self, cipher: str) -> Shop | None:
        """The shop a cipher names."""
        return self.world.shop_by_cipher(cipher)

    def seller_of(self, shop: Shop) -> Seller:
        """The seller who owns a shop."""
        seller = self.world.seller(shop.seller_id)
        assert seller is not None
        return seller

    def locate_order(self, order_id: str) -> tuple[Shop, int] | None:
        """The shop and position of an order id, in any shop."""
        for shop in self.world.shops:
            idx = shop.order_idx(order_id)
            if idx is not None:
                return shop, idx
        return None

    def locate_package(self, package_id: str) -> tuple[Shop, int, int] | None:
        """The shop, order position and package number of a package id, in any shop."""
        for shop in self.world.shops:
            ref = shop.package_ref(package_id)
            if ref is not None:
                return shop, ref[0], ref[1]
        return None

    def locate_aftersale(self, record_id: str) -> tuple[Shop, AfterSale] | None:
        """A return or cancellation by id, in any shop."""
        for shop in self.world.shops:
            rec = shop.returns.get(record_id) or shop.cancellations.get(record_id)
            if rec is not None:
                return shop, rec
        return None

    # -- auth --------------------------------------------------------------------------------
    def issue_code(self, seller: Seller, scopes: list[str] | None = None) -> str:
        """A fresh auth code for a seller (what the consent page hands out)."""
        code = "ROW_" + secrets.token_urlsafe(24)
        self.codes[code] = AuthCode(
            code, seller.id, list(scopes or ALL_SCOPES), self.now() + self.cfg.auth_code_ttl
        )
        return code

    def exchange_code(self, code: str) -> dict[str, Any]:
        """Token response for a valid, unused, unexpired auth code."""
        auth = self.codes.get(code)
        if auth is None or auth.used or auth.expires <= self.now():
            raise SandboxError(36004004, "Invalid auth code.")
        auth.used = True
        seller = self.world.seller(auth.seller_id)
        assert seller is not None
        grant = Grant(
            id=secrets.token_hex(8),
            seller_id=seller.id,
            shop_nos=list(seller.shop_nos),
            scopes=auth.scopes,
            created=self.now(),
        )
        self.grants[grant.id] = grant
        self.record("authorize", None, seller_id=seller.id, grant_id=grant.id)
        return self._token_pair(grant)

    def refresh_tokens(self, refresh_token: str) -> dict[str, Any]:
        """Token response for a refresh; the old refresh token stays valid until it expires."""
        token = self.refresh.get(refresh_token)
        if token is None or self.grants[token.grant_id].revoked:
            raise SandboxError(36004005, "can not find related auth record")
        if token.expires <= self.now():
            raise SandboxError(36004001, "rt has expired")
        return self._token_pair(self.grants[token.grant_id])

    def _token_pair(self, grant: Grant) -> dict[str, Any]:
        now = self.now()
        access = Token(
            "TTP_" + secrets.token_urlsafe(32), grant.id, now + self.cfg.access_token_ttl
        )
        refresh = Token(
            "TTP_" + secrets.token_urlsafe(32), grant.id, now + self.cfg.refresh_token_ttl
        )
        self.access[access.value] = access
        self.refresh[refresh.value] = refresh
        seller = self.world.seller(grant.seller_id)
        assert seller is not None
        return {
            "access_token": access.value,
            "access_token_expire_in": access.expires,
            "refresh_token": refresh.value,
            "refresh_token_expire_in": refresh.expires,
            "open_id": seller.id,
            "seller_name": seller.name,
            "seller_base_region": seller.base_region,
            "user_type": 0,
            "granted_scopes": list(grant.scopes),
        }

    def expire_access_tokens(self) -> int:
        """Make every access token expired now (a fault)."""
        now = self.now()
        for token in self.access.values():
            token.expires = min(token.expires, now - 1)
        return len(self.access)

    def revoke(self, seller: Seller) -> int:
        """Revoke a seller's authorizations and push the deauthorization webhook to each shop."""
        count = 0
        for grant in self.grants.values():
            if grant.seller_id == seller.id and not grant.revoked:
                grant.revoked = True
                count += 1
        for no in seller.shop_nos:
            shop = self.world.shops[no]
            self.emit(
                shop,
                6,
                {"message": f"The seller {seller.name} deauthorized the app for shop {shop.name}."},
            )
        self.record("revoke", None, seller_id=seller.id, grants=count)
        return count

    def warn_expiring(self, seller: Seller, days: int = 30) -> None:
        """Push the upcoming-authorization-expiration webhook to each of the seller's shops."""
        expires = self.now() + days * 86400
        for no in seller.shop_nos:
            self.emit(
                self.world.shops[no],
                7,
                {
                    "message": f"The authorization will expire in {days} days, please "
                    "re-authorize.",
                    "expiration_time": str(expires),
                },
            )

    def subscribe(self, shop: Shop, event_type: str, address: str) -> None:
        """Send a shop's events of one type to an address."""
        now = self.now()
        old = self.subscriptions.get((shop.no, event_type))
        self.subscriptions[(shop.no, event_type)] = {
            "address": address,
            "create_time": old["create_time"] if old else now,
            "update_time": now,
        }

    # -- bookkeeping -------------------------------------------------------------------------
    def count_write(self, endpoint: str, key: str, path: str) -> dict[str, Any]:
        """Count one write received for (endpoint, key); the caller counts it applied."""
        row = self.writes.setdefault(
            (endpoint, key),
            {"endpoint": endpoint, "key": key, "received": 0, "applied": 0, "paths": []},
        )
        row["received"] += 1
        if path not in row["paths"]:
            row["paths"].append(path)
        return row

    def record(self, kind: str, shop: Shop | None, **detail: Any) -> Change:
        """Log a write for the control API."""
        change = Change(next(self._seq), self.now(), kind, shop.id if shop else None, detail)
        self.changes.append(change)
        if len(self.changes) > 20000:
            del self.changes[:5000]
        return change

    def emit_inventory(
        self, shop: Shop, sku: Any, warehouse_id: str, reason: str
    ) -> dict[str, Any]:
        """Push webhook 71 for one SKU's stock in one warehouse (UNVERIFIED `data` fields).

        It carries an `event_id` and an `idempotency_key` (§18): a redelivery repeats both.
        """
        event_id = str(7100000000000000000 + next(self._inventory_events))
        total = sku.inventory.get(warehouse_id, 0)
        committed = sku.committed.get(warehouse_id, 0)
        return self.emit(
            shop,
            71,
            {
                "event_id": event_id,
                "idempotency_key": f"inv-{sku.id}-{warehouse_id}-{event_id}",
                "product_id": sku.product_id,
                "sku_id": sku.id,
                "warehouse_id": warehouse_id,
                "change_reason": reason,
                "inventory": {
                    "total_quantity": total,
                    "committed_quantity": committed,
                    "available_quantity": max(total - committed, 0),
                },
                "update_time": self.now(),
            },
        )

    def emit_refund(self, shop: Shop, rec: AfterSale) -> None:
        """Push webhook 67 once a return's or cancellation's money went back to the buyer."""
        key = "cancel_id" if rec.kind == "cancel" else "return_id"
        self.emit(
            shop,
            67,
            {
                "order_id": shop.order_id(rec.order_idx),
                key: rec.id,
                "refund_status": "SUCCESS",
                "update_time": rec.update_time,
            },
        )

    def emit_aftersale_request(self, shop: Shop, rec: AfterSale) -> None:
        """Push webhook 64 when a buyer asks for a return, refund or cancellation."""
        self.emit(
            shop,
            64,
            {
                "order_id": shop.order_id(rec.order_idx),
                "aftersale_id": rec.id,
                "request_type": rec.type,
                "role": rec.role,
                "create_time": rec.create_time,
            },
        )

    def emit(self, shop: Shop | None, type_id: int, data: dict[str, Any]) -> dict[str, Any]:
        """Build a webhook notification and hand it to the dispatcher."""
        payload = {
            "type": type_id,
            "tts_notification_id": str(
                7300000000000000000 + next(self._notification_ids) * 7919 + self.cfg.seed
            ),
            "shop_id": shop.id if shop else "",
            "timestamp": self.now(),
            "data": data,
        }
        if self.notify is not None:
            self.notify(shop, WEBHOOK_EVENT_TYPES.get(type_id, str(type_id)), payload)
        return payload

    # -- order moves -------------------------------------------------------------------------
    def touch(self, shop: Shop, idx: int) -> int:
        """Bump an order's update_time to now, keeping the update-time index sorted."""
        table = shop.orders
        old = table.update[idx]
        keys = table.mutated_keys
        if table.mutated[idx]:
            pos = bisect.bisect_left(keys, (old, idx))
            if pos < len(keys) and keys[pos] == (old, idx):
                del keys[pos]
        else:
            table.mutated[idx] = 1
        new = max(self.now(), old)
        table.update[idx] = new
        bisect.insort(keys, (new, idx))
        return new

    def set_status(self, shop: Shop, idx: int, status: int, **times: int) -> None:
        """Move an order to `status`, remember when each step happened, and push webhook 1."""
        table = shop.orders
        extra = table.extra.setdefault(idx, {})
        extra.setdefault("t", {}).update(times)
        table.status[idx] = status
        update = self.touch(shop, idx)
        t = timeline(table.create[idx], table.bits[idx])
        self.emit(
            shop,
            1,
            {
                "order_id": shop.order_id(idx),
                "order_status": ORDER_STATUSES[status],
                "is_on_hold_order": t.on_hold,
                "update_time": update,
            },
        )

    def pay(self, shop: Shop, idx: int, at: int | None = None) -> None:
        """The buyer paid: the order goes on hold for an hour, or straight to awaiting shipment."""
        now = self.now() if at is None else at
        t = timeline(shop.orders.create[idx], shop.orders.bits[idx])
        if t.on_hold:
            self.set_status(shop, idx, ON_HOLD, paid=now)
            self.schedule(now + 3600, shop, idx, "release_hold")
        else:
            self.set_status(shop, idx, AWAITING_SHIPMENT, paid=now, avail=now)

    def ship(self, shop: Shop, idx: int, k: int, override: dict[str, Any]) -> None:
        """Mark one package shipped and move the order to partially shipped or shipped."""
        f = facts(shop, idx)
        pkgs = packages(f)
        now = self.now()
        extra = shop.orders.extra.setdefault(idx, {})
        override = dict(override)
        # the seller's own carrier has the parcel at once; TikTok's carrier still has to collect it
        own_carrier = override.pop("seller_shipped", False) or (
            bool(override.get("tracking_number")) and f.shipping_type == "SELLER"
        )
        ov = extra.setdefault("pkgs", {}).setdefault(k, {})
        ov.update(override)
        ov["status"] = "FULFILLING" if own_carrier else "PROCESSING"
        ov["rts_time"] = now
        shipped = sum(1 for p in pkgs if p.k == k or p.status in SHIPPED_PACKAGE_STATUSES)
        if shipped < len(pkgs):
            self.set_status(shop, idx, PARTIALLY_SHIPPING, rts_first=now)
        elif ov["status"] == "FULFILLING":
            self.set_status(shop, idx, IN_TRANSIT, rts=now, collect=now)
        else:
            self.set_status(shop, idx, AWAITING_COLLECTION, rts=now)
        # no `sc_type`: shipping is neither a split nor a combine, the only values it takes
        self.emit(
            shop,
            4,
            {
                "role_type": "ROLE_SELLER",
                "package_list": [
                    {"package_id": shop.package_id(idx, k), "order_id_list": [shop.order_id(idx)]}
                ],
                "update_time": shop.orders.update[idx],
            },
        )

    def advance_order(self, shop: Shop, idx: int) -> str | None:
        """Move an order one step along its life cycle as buyer, carrier or platform would."""
        status = shop.orders.status[idx]
        now = self.now()
        extra = shop.orders.extra.setdefault(idx, {})
        if status == UNPAID:
            self.pay(shop, idx)
        elif status == ON_HOLD:
            self.set_status(shop, idx, AWAITING_SHIPMENT, avail=now)
        elif status in (AWAITING_SHIPMENT, PARTIALLY_SHIPPING):
            f = facts(shop, idx)
            for p in packages(f):
                if p.status == "TO_FULFILL":
                    self.ship(shop, idx, p.k, {})
                    break
        elif status == AWAITING_COLLECTION:
            extra.pop("pkgs_status", None)
            self._clear_package_status(extra)
            self.set_status(shop, idx, IN_TRANSIT, collect=now)
        elif status == IN_TRANSIT:
            self._clear_package_status(extra)
            self.set_status(shop, idx, DELIVERED, deliver=now)
        elif status == DELIVERED:
            self.set_status(shop, idx, COMPLETED, complete=now)
        else:
            return None
        return ORDER_STATUSES[shop.orders.status[idx]]

    @staticmethod
    def _clear_package_status(extra: dict[str, Any]) -> None:
        # once the carrier has the parcel, package status follows the order again
        for ov in extra.get("pkgs", {}).values():
            ov.pop("status", None)

    def change_address(self, shop: Shop, idx: int) -> None:
        """The buyer changed the delivery address: push webhook 3."""
        rng = self.rng
        extra = shop.orders.extra.setdefault(idx, {})
        # the buyer moves within the same city: a new street line, the rest of the address kept
        current = buyer(facts(shop, idx))["recipient_address"]
        line1 = f"{rng.randrange(1, 9999)} {rng.choice(names.STREETS)}"
        line2 = current["address_line2"]
        city = next(
            (d["address_name"] for d in current["district_info"] if d["address_level"] == "L3"), ""
        )
        state = next(
            (d["address_name"] for d in current["district_info"] if d["address_level"] == "L1"), ""
        )
        full = ", ".join(
            p for p in (line1, line2, city, state, current["postal_code"], shop.region) if p
        )
        extra["address"] = {"address_line1": line1, "full_address": full}
        update = self.touch(shop, idx)
        self.emit(shop, 3, {"order_id": shop.order_id(idx), "update_time": update})
        self.record("address_update", shop, order_id=shop.order_id(idx))

    def create_order(
        self,
        shop: Shop,
        *,
        status: str = "UNPAID",
        n_items: int | None = None,
        bundle: bool = False,
    ) -> int:
        """A new order arrives (control API or live mode); pushes webhook 1."""
        table = shop.orders
        now = self.now()
        idx = len(table)
        x = self.rng.getrandbits(64)
        create = max(now, table.create[idx - 1] if idx else now)
        table.create.append(create)
        table.bits.append(x)
        table.status.append(UNPAID)
        table.base_update.append(create)
        table.update.append(create)
        table.mutated.append(1)
        bisect.insort(table.mutated_keys, (create, idx))
        extra: dict[str, Any] = {"live": True, "t": {}}
        if n_items:
            extra["n_items"] = max(1, min(int(n_items), 20))
        # orders made here (control API, live mode) carry a bundle only when asked to
        extra["bundle_positions"] = [0] if bundle else []
        table.extra[idx] = extra
        f = facts(shop, idx)
        extra["prices"] = {sku.id: sku.price for sku, _p in f.lines}
        committed = []
        for sku, _p in f.lines:
            wid = next(iter(sku.inventory))
            sku.committed[wid] = sku.committed.get(wid, 0) + 1
            committed.append((sku, wid))
        self.emit(
            shop,
            1,
            {
                "order_id": f.id,
                "order_status": "UNPAID",
                "is_on_hold_order": f.t.on_hold,
                "update_time": create,
            },
        )
        self.record("order_created", shop, order_id=f.id)
        for sku, wid in {(sku.id, wid): (sku, wid) for sku, wid in committed}.values():
            self.emit_inventory(shop, sku, wid, "ORDER_PLACED")
        target = ORDER_STATUSES.index(status) if status in ORDER_STATUSES else UNPAID
        if target == UNPAID:
            self.schedule(now + 30 + x % 90, shop, idx, "pay")
        while shop.orders.status[idx] < target and target != CANCELLED:
            if self.advance_order(shop, idx) is None:
                break
        if target == CANCELLED:
            self.cancel_order(shop, idx, initiator="SELLER", reason="Out of stock")
        return idx

    def cancel_order(
        self,
        shop: Shop,
        idx: int,
        *,
        initiator: str,
        reason: str,
        line_positions: list[int] | None = None,
    ) -> AfterSale:
        """Cancel an order that has not shipped (or some of its lines); recorded as succeeded.

        Cancelled lines leave their package; once every line is cancelled the order is.
        """
        rec = self._new_aftersale(
            shop, idx, "cancel", "CANCEL" if initiator != "BUYER" else "BUYER_CANCEL"
        )
        rec.role = initiator
        rec.reason_text = reason
        rec.status = "CANCELLATION_REQUEST_SUCCESS"
        paid = shop.orders.status[idx] != UNPAID
        extra = shop.orders.extra.setdefault(idx, {})
        done = set(extra.get("cancelled_lines", ()))
        left = [pos for pos in range(len(facts(shop, idx).lines)) if pos not in done]
        if line_positions is not None and set(line_positions) != set(left):
            rec.line_item_ids = [shop.line_item_id(idx, pos) for pos in sorted(line_positions)]
            extra["cancelled_lines"] = sorted(done | set(line_positions))
            extra.setdefault("cancelled_line_reasons", {}).update(
                {pos: (initiator, reason) for pos in line_positions}
            )
            self.touch(shop, idx)
        else:
            if done:
                rec.line_item_ids = [shop.line_item_id(idx, pos) for pos in left]
            self._cancel(shop, idx, initiator, reason)
        self._emit_cancellation(shop, rec)
        if paid:
            self.emit_refund(shop, rec)
        return rec

    def _cancel(self, shop: Shop, idx: int, initiator: str, reason: str) -> None:
        extra = shop.orders.extra.setdefault(idx, {})
        extra["cancel_initiator"] = initiator
        extra["cancel_reason"] = reason
        extra["buyer_cancel_pending"] = False
        for ov in extra.get("pkgs", {}).values():
            ov.pop("status", None)
        self.set_status(shop, idx, CANCELLED, cancel=self.now())

    def _new_aftersale(self, shop: Shop, idx: int, kind: str, type_: str) -> AfterSale:
        existing = shop.order_aftersales.setdefault(idx, [])
        prefix = "40" if kind == "return" else "41"
        rec_id = (
            f"{prefix}{shop.no:03d}{idx:08d}{len(existing) + 1}{(idx * 31 + shop.salt) % 10000:04d}"
        )
        now = self.now()
        code, text = names.RETURN_REASONS[idx % len(names.RETURN_REASONS)]
        if kind == "cancel":
            code = "ecom_order_to_ship_canceled_reason_0"
            text = names.CANCEL_REASONS[idx % len(names.CANCEL_REASONS)]
        rec = AfterSale(
            id=rec_id,
            kind=kind,
            shop_no=shop.no,
            order_idx=idx,
            type=type_,
            status="RETURN_OR_REFUND_REQUEST_PENDING"
            if kind == "return"
            else "CANCELLATION_REQUEST_PENDING",
            role="BUYER",
            reason=code,
            reason_text=text,
            create_time=now,
            update_time=now,
        )
        (shop.returns if kind == "return" else shop.cancellations)[rec_id] = rec
        existing.append(rec_id)
        return rec

    def request_cancellation(self, shop: Shop, idx: int) -> AfterSale:
        """The buyer asks to cancel an order awaiting shipment; pushes webhook 11."""
        if shop.orders.status[idx] not in (ON_HOLD, AWAITING_SHIPMENT):
            raise SandboxError(36009004, "The order status does not allow a cancellation request.")
        if shop.orders.status[idx] == ON_HOLD:
            # during the hold the buyer cancels without the seller's approval
            return self.cancel_order(shop, idx, initiator="BUYER", reason=names.CANCEL_REASONS[0])
        rec = self._new_aftersale(shop, idx, "cancel", "BUYER_CANCEL")
        extra = shop.orders.extra.setdefault(idx, {})
        extra["buyer_cancel_pending"] = True
        extra.setdefault("t", {})["cancel_request"] = rec.create_time
        self.touch(shop, idx)
        self._emit_cancellation(shop, rec)
        self.emit_aftersale_request(shop, rec)
        self.schedule(self.now() + 48 * 3600, shop, idx, "auto_cancel")
        return rec

    def approve_cancellation(self, shop: Shop, rec: AfterSale, role: str = "SELLER") -> None:
        """The seller (or the platform, after the deadline) accepts a cancellation request."""
        rec.status = "CANCELLATION_REQUEST_SUCCESS"
        rec.update_time = self.now()
        rec.decision = {"approved_by": role}
        self._cancel(shop, rec.order_idx, "BUYER", rec.reason_text)
        self._emit_cancellation(shop, rec)
        self.emit_refund(shop, rec)

    def reject_cancellation(self, shop: Shop, rec: AfterSale, reason: str, comment: str) -> None:
        """The seller refuses a cancellation request; the order carries on."""
        rec.status = "CANCELLATION_REQUEST_CANCELLED"
        rec.update_time = self.now()
        rec.decision = {"reject_reason": reason, "comment": comment}
        extra = shop.orders.extra.setdefault(rec.order_idx, {})
        extra["buyer_cancel_pending"] = False
        self.touch(shop, rec.order_idx)
        self._emit_cancellation(shop, rec)

    def _emit_cancellation(self, shop: Shop, rec: AfterSale) -> None:
        self.emit(
            shop,
            11,
            {
                "order_id": shop.order_id(rec.order_idx),
                "cancellations_role": rec.role,
                "cancel_status": rec.status,
                "cancel_id": rec.id,
                "create_time": rec.create_time,
            },
        )

    def request_return(
        self, shop: Shop, idx: int, return_type: str = "RETURN_AND_REFUND"
    ) -> AfterSale:
        """The buyer asks for a return or refund of a delivered order; pushes webhook 12."""
        if shop.orders.status[idx] not in (DELIVERED, COMPLETED, IN_TRANSIT):
            raise SandboxError(36009004, "The order status does not allow a return request.")
        rec = self._new_aftersale(shop, idx, "return", return_type)
        if return_type == "EXCHANGE":
            rec.status = "EXCHANGE_REQUEST_PENDING"
        self.touch(shop, idx)
        self.emit_return(shop, rec)
        self.emit_aftersale_request(shop, rec)
        return rec

    def emit_return(self, shop: Shop, rec: AfterSale) -> None:
        """Push webhook 12 for a return's current status."""
        self.emit(
            shop,
            12,
            {
                "order_id": shop.order_id(rec.order_idx),
                "return_role": rec.role,
                "return_type": rec.type,
                "return_status": rec.status,
                "return_id": rec.id,
                "create_time": rec.create_time,
                "update_time": rec.update_time,
            },
        )

    def buyer_ships_return(self, shop: Shop, rec: AfterSale) -> None:
        """The buyer sends the goods back after the seller approved the return."""
        rec.status = "BUYER_SHIPPED_ITEM"
        rec.update_time = self.now()
        rec.decision = {**(rec.decision or {}), "return_tracking_number": f"RT{rec.id[-10:]}"}
        self.emit_return(shop, rec)

    # -- live mode ---------------------------------------------------------------------------
    def live_step(self) -> dict[str, Any]:
        """One random thing happening in the shops: a new order, a step, a request, an address."""
        rng = self.rng
        shop = rng.choice(self.world.shops)
        table = shop.orders
        roll = rng.random()
        if roll < 0.3 or not len(table):
            idx = self.create_order(shop)
            return {"event": "new_order", "order_id": shop.order_id(idx)}
        window = max(len(table) - 3000, 0)
        for _ in range(30):
            idx = rng.randrange(window, len(table))
            status = table.status[idx]
            if (
                roll < 0.36
                and status == AWAITING_SHIPMENT
                and not table.extra.get(idx, {}).get("buyer_cancel_pending")
            ):
                rec = self.request_cancellation(shop, idx)
                return {"event": "cancellation_request", "cancel_id": rec.id}
            if roll < 0.42 and status == DELIVERED:
                rec = self.request_return(shop, idx, rng.choice(("REFUND", "RETURN_AND_REFUND")))
                return {"event": "return_request", "return_id": rec.id}
            if roll < 0.46 and status in (ON_HOLD, AWAITING_SHIPMENT):
                self.change_address(shop, idx)
                return {"event": "address_update", "order_id": shop.order_id(idx)}
            if roll >= 0.46 and status in (
                UNPAID,
                ON_HOLD,
                AWAITING_COLLECTION,
                IN_TRANSIT,
                DELIVERED,
            ):
                new = self.advance_order(shop, idx)
                return {"event": "order_step", "order_id": shop.order_id(idx), "status": new}
            if roll >= 0.46:
                waiting = [r for r in shop.returns.values() if r.status == "AWAITING_BUYER_SHIP"]
                if waiting:
                    self.buyer_ships_return(shop, waiting[0])
                    return {"event": "return_shipped", "return_id": waiting[0].id}
        return {"event": "none"}

    # -- catalog -----------------------------------------------------------------------------
    def touch_product(self, product: Any) -> None:
        """Bump a product's update_time after a write."""
        product.update_time = max(self.now(), product.update_time)


def decimal_or_none(value: Any) -> Decimal | None:
    """A positive decimal price from a request value, or None if it is not one."""
    try:
        result = Decimal(str(value))
    except Exception:
        return None
    if not result.is_finite() or result < 0 or result.as_tuple().exponent < -2:  # type: ignore[operator]
        return None
    return result
