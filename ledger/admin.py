"""The federation operator's view of the ledger: read-only. Every change goes through a
service (a correction is `transaction_reverse`), never through the admin."""

from django.contrib import admin

from coop.core.admin import ReadOnlyAdmin
from ledger.models import Account, Balance, Payout, Posting, Reconciliation, Transaction


class PostingInline(admin.TabularInline):
    model = Posting
    fields = ["account", "amount", "balance_after"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "owner_kind", "owner_id", "shard", "created_at"]
    list_filter = ["kind", "owner_kind"]
    search_fields = ["owner_id"]


@admin.register(Balance)
class BalanceAdmin(ReadOnlyAdmin):
    list_display = ["account", "amount", "allow_negative", "updated_at"]
    list_filter = ["account__kind"]
    list_select_related = ["account"]


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "key", "memo", "created_at", "reverses"]
    list_filter = ["kind"]
    search_fields = ["key", "memo"]
    inlines = [PostingInline]


@admin.register(Posting)
class PostingAdmin(ReadOnlyAdmin):
    list_display = ["id", "transaction", "account", "amount", "balance_after"]
    list_select_related = ["transaction", "account"]


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "coop", "amount", "method", "status", "requested_at", "decided_at"]
    list_filter = ["status", "coop"]


@admin.register(Reconciliation)
class ReconciliationAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "ok", "accounts_checked", "transactions_checked"]
