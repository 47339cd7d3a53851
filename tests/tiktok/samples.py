"""Response `data` shapes as the contract (shared/tiktok-shop-api.md) records them."""

from __future__ import annotations

from typing import Any

TOKEN: dict[str, Any] = {
    "access_token": "TTP_pEYf0gAAAADxAccessSecret",
    "access_token_expire_in": 1660556783,
    "refresh_token": "TTP_NTUxZRefreshSecret",
    "refresh_token_expire_in": 1691487031,
    "open_id": "7010736057180325637",
    "seller_name": "Jjj test shop",
    "seller_base_region": "ID",
    "user_type": 0,
    "granted_scopes": [
        "seller.affiliate_collaboration.read",
        "seller.affiliate_collaboration.write",
    ],
}

AUTHORIZED_SHOPS = {
    "shops": [
        {
            "id": "7000714532876273420",
            "name": "Maomao beauty shop",
            "region": "GB",
            "seller_type": "CROSS_BORDER",
            "cipher": "GCP_XF90igAAAABh00qsWgtvOiGFNqyubMt3",
            "code": "CNGBCBA4LLU8",
        }
    ]
}

SELLER_SHOPS = {"shops": [{"id": "7000714532876273420", "region": "GB"}]}

SEARCH_SKU = {
    "id": "1729592969712207012",
    "seller_sku": "Color-Red-XM01",
    "price": {"currency": "USD", "tax_exclusive_price": "111.01", "sale_price": "121.11"},
    "inventory": [{"warehouse_id": "7068517275539719942", "quantity": 999}],
}

SEARCH_PRODUCTS = {
    "total_count": 3,
    "next_page_token": "b2Zmc2V0PTAK/+x=",
    "products": [
        {
            "id": "1729592969712203232",
            "title": "Men's Fashion Sports Low Cut Cotton Ankle Socks",
            "status": "ACTIVATE",
            "create_time": 1234567890,
            "update_time": 1234567890,
            "sales_regions": ["US"],
            "skus": [SEARCH_SKU],
            "audit": {"status": "APPROVED"},
            "some_future_field": {"x": 1},
        }
    ],
}

PRODUCT = {
    "id": "1729592969712203232",
    "status": "ACTIVATE",
    "product_status": "ACTIVATE",
    "title": "Socks",
    "description": "<p>Soft</p>",
    "category_chains": [
        {"id": "600001", "parent_id": "0", "local_name": "Fashion", "is_leaf": False},
        {"id": "600002", "parent_id": "600001", "local_name": "Socks", "is_leaf": True},
    ],
    "main_images": [{"uri": "tos-maliva-i-o3syd03w52-us/abc", "urls": ["https://p16.example/abc"]}],
    "skus": [
        {
            "id": "1729592969712207012",
            "seller_sku": "Color-Red-XM01",
            "price": {"currency": "USD", "tax_exclusive_price": "19.99"},
            "list_price": {"amount": "29.99", "currency": "USD"},
            "inventory": [
                {"warehouse_id": "7068517275539719942", "quantity": 50},
                {"warehouse_id": "7068517275539719943", "quantity": 0},
            ],
            "status_info": {"status": "NORMAL"},
        }
    ],
    "create_time": 1695217173,
    "update_time": 1695217899,
}

INVENTORY_UPDATE_PARTIAL = {
    "errors": [
        {
            "code": 12052990,
            "message": "Check failed",
            "detail": {
                "sku_id": "1729592969712207012",
                "extra_errors": [
                    {
                        "code": 12052097,
                        "message": "The warehouse does not exist",
                        "warehouse_id": "7068517275539719999",
                    }
                ],
            },
        }
    ]
}

ACTIVATE_PARTIAL = {
    "errors": [
        {
            "code": 12052901,
            "message": "product status does not allow this operation",
            "detail": {"product_id": "1729592969712203233", "extra_errors": []},
        }
    ]
}

INVENTORY_SEARCH = {
    "inventory": [
        {
            "product_id": "1729592969712203232",
            "skus": [
                {
                    "id": "1729592969712207012",
                    "seller_sku": "Color-Red-XM01",
                    "total_available_quantity": 48,
                    "total_committed_quantity": 2,
                    "warehouse_inventory": [
                        {
                            "warehouse_id": "7068517275539719942",
                            "available_quantity": 48,
                            "committed_quantity": 2,
                        }
                    ],
                }
            ],
        }
    ]
}

WAREHOUSES = {
    "warehouses": [
        {
            "id": "7068517275539719942",
            "name": "Main warehouse",
            "effect_status": "ENABLED",
            "type": "SALES_WAREHOUSE",
            "sub_type": "DOMESTIC_WAREHOUSE",
            "is_default": True,
            "address": {"region_code": "US", "distict": "LA", "full_address": "1 Main St"},
        }
    ]
}

DELIVERY_OPTIONS = {
    "delivery_options": [
        {
            "id": "7091146663229654785",
            "name": "Standard shipping",
            "type": "STANDARD",
            "description": "3-5 days",
            "platform": ["TIKTOK_SHOP"],
        }
    ]
}

SHIPPING_PROVIDERS = {"shipping_providers": [{"id": "6617675021119438849", "name": "USPS"}]}

ORDER = {
    "id": "576461413038785752",
    "status": "AWAITING_SHIPMENT",
    "create_time": 1696800100,
    "update_time": 1696809600,
    "paid_time": 1696800200,
    "rts_sla_time": 1697059400,
    "shipping_type": "TIKTOK",
    "delivery_option_id": "7091146663229654785",
    "user_id": "7021436810468230477",
    "buyer_message": "Leave at door",
    "is_cod": False,
    "packages": [{"id": "1152321127278713123"}],
    "payment": {
        "currency": "USD",
        "sub_total": "57.00",
        "shipping_fee": "5.99",
        "seller_discount": "0.50",
        "platform_discount": "0",
        "total_amount": "62.49",
        "tax": "0",
    },
    "recipient_address": {
        "name": "Jane Doe",
        "phone_number": "(+1)213-***-1234",
        "region_code": "US",
    },
    "line_items": [
        {
            "id": "577086512123755123",
            "sku_id": "1729592969712207012",
            "product_id": "1729592969712203232",
            "product_name": "Socks",
            "sku_name": "Red",
            "seller_sku": "Color-Red-XM01",
            "currency": "USD",
            "original_price": "29.00",
            "sale_price": "28.50",
            "display_status": "AWAITING_SHIPMENT",
            "package_id": "1152321127278713123",
            "package_status": "TO_FULFILL",
            "is_gift": False,
        },
        {
            "id": "577086512123755124",
            "sku_id": "1729592969712207012",
            "product_id": "1729592969712203232",
            "currency": "USD",
            "sale_price": "28.50",
            "package_status": "TO FULFILL",
        },
        {
            "id": "577086512123755125",
            "sku_id": "1729592969712207099",
            "product_id": "1729592969712203299",
            "product_name": "Sock bundle",
            "currency": "USD",
            "sale_price": "40.00",
            "sku_type": "COMBINED_LISTING",  # a type this client has never seen
            "sub_item_info": [
                {
                    "sub_item_id": "5770865121237551251",
                    "sku_id": "1729592969712207012",
                    "seller_sku": "Color-Red-XM01",
                    "quantity": 2,
                    "sale_price": "30.00",
                },
                {"sub_item_id": "5770865121237551252", "sku_id": "1729592969712207013"},
            ],
        },
    ],
}

ORDER_SEARCH = {"next_page_token": "aDU2dHlwMT", "total_count": 1, "orders": [ORDER]}

PACKAGE_SEARCH = {
    "total_count": 1,
    "next_page_token": "",
    "packages": [
        {
            "id": "1152321127278713123",
            "status": "PROCESSING",
            "create_time": 1696800300,
            "update_time": 1696809700,
            "order_line_item_ids": ["577086512123755123"],
            "orders": [{"id": "576461413038785752", "skus": []}],
            "shipping_provider_id": "6617675021119438849",
            "shipping_provider_name": "USPS",
            "tracking_number": "9400111899223100000000",
        }
    ],
}

PACKAGE_DETAIL = {
    "package_id": "1152321127278713123",
    "package_status": "TO FULFILL",
    "package_sub_status": "",
    "create_time": 1696800300,
    "update_time": 1696809700,
    "orders": [{"id": "576461413038785752", "skus": []}],
    "order_line_item_ids": ["577086512123755123", "577086512123755124"],
    "shipping_type": "TIKTOK",
    "handover_method": "DROP_OFF",
    "delivery_option_id": "7091146663229654785",
    "split_and_combine_tag": "DEFAULT",
}

BATCH_SHIP_PARTIAL = {
    "errors": [
        {
            "code": 21011001,
            "message": "package status does not allow shipping",
            "detail": {"package_id": "1152321127278713124"},
        }
    ]
}

HANDOVER_TIME_SLOTS = {
    "can_pickup": True,
    "can_drop_off": True,
    "can_van_collection": False,
    "drop_off_point_url": "https://drop.example/points",
    "pickup_slots": [
        {"start_time": 1697000000, "end_time": 1697007200, "avaliable": True},
        {"start_time": 1697086400, "end_time": 1697093600, "avaliable": False},
    ],
}

SHIPPING_DOCUMENT = {
    "doc_url": "https://open-fs.example/label.pdf?sig=abc",
    "tracking_number": "9400111899223100000000",
}

MARK_SHIPPED = {
    "order_id": "576461413038785752",
    "package_id": "1152321127278713125",
    "order_line_item_ids": ["577086512123755123"],
    "warning": {"message": "tracking number is reused"},
}

TRACKING = {
    "tracking": [
        {"description": "Delivered", "update_time_millis": 1697100000123},
        {"description": "In transit", "update_time_millis": 1697000000000},
    ]
}

RETURN = {
    "return_id": "4035318504086524123",
    "order_id": "576461413038785752",
    "return_type": "RETURN_AND_REFUND",
    "return_status": "RETURN_OR_REFUND_REQUEST_PENDING",
    "role": "BUYER",
    "create_time": 1697200000,
    "update_time": 1697200500,
    "return_reason": "ecom_order_delivered_refund_and_return_reason_wrong_item",
    "return_reason_text": "Wrong item",
    "refund_amount": {"currency": "USD", "refund_total": "28.50", "refund_subtotal": "28.50"},
    "return_line_items": [
        {
            "return_line_item_id": "4035318504086524200",
            "order_line_item_id": "577086512123755123",
            "sku_id": "1729592969712207012",
            "refund_amount": {"currency": "USD", "refund_total": "28.50"},
            "return_sub_line_items": [
                {
                    "return_sub_line_item_id": "4035318504086524201",
                    "order_line_item_id": "577086512123755123",
                    "sku_id": "1729592969712207013",
                    "refund_amount": {"currency": "USD", "refund_total": "10.00"},
                }
            ],
        }
    ],
    "seller_next_action_response": [{"action": "SELLER_RESPOND_RETURN", "deadline": 1697400000}],
    "is_quick_refund": True,
}

EXCHANGE = {
    "return_id": "4035318504086524124",
    "order_id": "576461413038785752",
    "return_type": "EXCHANGE",
    "return_status": "EXCHANGE_REQUEST_PENDING",
    "create_time": 1697200000,
}

RETURN_SEARCH = {"return_orders": [RETURN, EXCHANGE], "next_page_token": "", "total_count": 2}

CANCELLATION = {
    "cancel_id": "4035318504086524999",
    "order_id": "576461413038785752",
    "cancel_type": "BUYER_CANCEL",
    "cancel_status": "CANCELLATION_REQUEST_CANCEL",
    "role": "BUYER",
    "cancel_reason": "ecom_order_to_ship_canceled_reason_change_payment_method",
    "cancel_reason_text": "Change payment method",
    "create_time": 1697200000,
    "update_time": 1697200100,
    "refund_amount": {"currency": "USD", "refund_total": "62.49"},
    "cancel_line_items": [{"cancel_line_item_id": "1", "order_line_item_id": "577086512123755123"}],
    "seller_next_action_response": [{"action": "SELLER_RESPOND_CANCEL", "deadline": 1697300000}],
    "should_replenish_stock": True,
}

CANCELLATION_SEARCH = {"cancellations": [CANCELLATION], "next_page_token": "", "total_count": 1}

REJECT_REASONS = {
    "reasons": [
        {"name": "seller_reject_apply_product_damaged", "text": "Product is damaged"},
    ]
}

STATEMENTS = {
    "statements": [
        {
            "id": "7212341234123412345",
            "statement_time": 1697068800,
            "settlement_amount": "1033.41",
            "currency": "USD",
            "revenue_amount": "1200.00",
            "fee_amount": "-166.59",
            "adjustment_amount": "0",
            "net_sales_amount": "1150.00",
            "shipping_cost_amount": "-50.00",
            "payment_status": "PAID",
            "payment_id": "7212341234123499999",
            "payment_time": 1697155200,
        }
    ],
    "next_page_token": "",
}

PAYMENTS = {
    "payments": [
        {
            "id": "7212341234123499999",
            "create_time": 1697155200,
            "paid_time": 1697241600,
            "status": "PAID",
            "amount": {"value": "1033.41", "currency": "USD"},
            "settlement_amount": {"value": "1033.41", "currency": "USD"},
            "payment_amount_before_exchange": {"value": "1033.41", "currency": "USD"},
            "exchange_rate": "1",
            "bank_account": "****1234",
        },
        {
            "id": "7212341234123499998",
            "create_time": 1697760000,
            "paid_time": 0,
            "status": "PROCESSING",
            "amount": {"value": "80.00", "currency": "USD"},
        },
    ],
    "next_page_token": "",
}

STATEMENT_TRANSACTIONS = {
    "id": "7212341234123412345",
    "create_time": 1697068800,
    "status": "PAID",
    "currency": "USD",
    "payable_amount": "1033.41",
    "total_count": 2,
    "total_reserve_amount": "0",
    "total_settlement_amount": "1033.41",
    "total_settlement_breakdown": {
        "total_revenue_amount": "1200.00",
        "total_shipping_cost_amount": "-50.00",
        "total_fee_tax_amount": "-116.59",
        "total_adjustment_amount": "0",
    },
    "next_page_token": "",
    "transactions": [
        {
            "id": "7212341234123400001",
            "type": "ORDER",
            "order_id": "576461413038785752",
            "order_create_time": 1696800100,
            "settlement_amount": "55.12",
            "revenue_amount": "62.49",
            "revenue_breakdown": {"subtotal_before_discount_amount": "62.49"},
            "shipping_cost_amount": "0",
            "shipping_cost_breakdown": {"actual_shipping_fee_amount": "-5.99"},
            "fee_tax_amount": "-7.37",
            "fee_tax_breakdown": {
                "fee": {"platform_commission_amount": "-5.00", "transaction_fee_amount": "-2.37"},
                "tax": {"sales_tax_amount": "0"},
            },
            "supplementary_component": {"some_new_part": {"x": "1"}},
        },
        {
            "id": "7212341234123400002",
            "type": "LOGISTICS_REIMBURSEMENT",
            "associated_order_id": "576461413038785752",
            "adjustment_id": "7212341234123400777",
            "adjustment_amount": "1.50",
            "settlement_amount": "1.50",
            "estimated_release_time": 1697500000,
        },
    ],
}

ORDER_STATEMENT_TRANSACTIONS = {
    "currency": "USD",
    "order_id": "576461413038785752",
    "order_create_time": 1696800100,
    "revenue_amount": "62.49",
    "fee_and_tax_amount": "-7.37",
    "shipping_cost_amount": "0",
    "settlement_amount": "55.12",
    "total_count": 1,
    "sku_transactions": [
        {
            "statement_id": "7212341234123412345",
            "sku_id": "1729592969712207012",
            "sku_name": "Red",
            "product_name": "Socks",
            "quantity": 2,
            "settlement_amount": "55.12",
            "revenue_amount": "62.49",
            "shipping_cost_amount": "0",
            "fee_tax_amount": "-7.37",
            "fee_tax_breakdown": {"fee": {"platform_commission_amount": "-7.37"}, "tax": {}},
        }
    ],
}

UNSETTLED_ORDERS = {
    "orders": [
        {
            "order_id": "576461413038785752",
            "order_create_time": 1696800100,
            "currency": "USD",
            "est_settlement_amount": "55.12",
            "est_revenue_amount": "62.49",
            "est_fee_tax_amount": "-7.37",
            "est_settlement_time": 1697700000,
        }
    ],
    "next_page_token": "bmV4dA==",
    "total_count": 3,
}

DECISION_ELIGIBILITY = {
    "decisions": [
        {
            "decision": "REJECT_RETURN",
            "is_eligible": True,
            "reject_reasons": [{"name": "reverse_reject_request_reason_1", "text": "Used"}],
        },
        {
            "decision": "OFFER_PARTIAL_REFUND_AFTER_RECEIVING_PKG",
            "is_eligible": False,
            "ineligible_reason": "Not allowed yet.",
        },
    ]
}

AFTERSALE_ELIGIBILITY = {
    "eligibilities": [
        {
            "request_type": "CANCEL",
            "is_eligible": True,
            "available_reason_names": ["seller_cancel_reason_out_of_stock"],
        }
    ]
}

REFUND_CALCULATION = {
    "order_refund_amount": {
        "currency": "USD",
        "refund_total": "30.78",
        "refund_subtotal": "28.50",
        "refund_shipping_fee": "0",
        "refund_tax": "2.28",
        "retail_delivery_fee": "0",
    }
}

WEBHOOKS = {
    "webhooks": [
        {
            "event_type": "ORDER_STATUS_CHANGE",
            "address": "https://shop.example/webhooks/tiktok",
            "create_time": 1697000000,
            "update_time": 1697000001,
        }
    ],
    "total_count": 1,
}
