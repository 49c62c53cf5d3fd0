from django.urls import path

from ledger import api

urlpatterns = [
    path("ledger/wallet/", api.WalletApi.as_view(), name="wallet"),
    path("ledger/wallet/statement/", api.WalletStatementApi.as_view(), name="wallet_statement"),
    path("ledger/payouts/", api.PayoutListApi.as_view(), name="payouts"),
    path("ledger/requester/balance/", api.RequesterBalanceApi.as_view(), name="requester_balance"),
    path("ledger/requester/statement/", api.RequesterStatementApi.as_view(), name="requester_statement"),
    path("ledger/deposits/", api.DepositCreateApi.as_view(), name="deposits"),
]
