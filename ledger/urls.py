from django.urls import path

from ledger import views
from ledger.views import patronage, solidarity

urlpatterns = [
    path("wallet/", views.wallet, name="wallet"),
    path("wallet/statement.csv", views.wallet_csv, name="wallet_csv"),
    path("requesters/<int:org_id>/money/", views.requester_money, name="requester"),
    path("requesters/<int:org_id>/money/statement.csv", views.requester_csv, name="requester_csv"),
    path("steward/money/", views.steward_funds, name="steward_funds"),
    path("steward/payouts/", views.steward_payouts, name="steward_payouts"),
    path("steward/payouts/<int:pk>/settle/", views.payout_settle, name="payout_settle"),
    path("steward/payouts/<int:pk>/fail/", views.payout_fail, name="payout_fail"),
    path("solidarity/", solidarity.solidarity, name="solidarity"),
    path("steward/solidarity/", solidarity.solidarity_steward, name="solidarity_steward"),
    path("steward/solidarity/<int:pk>/decide/", solidarity.hardship_decide, name="hardship_decide"),
    path("patronage/", patronage.patronage, name="patronage"),
    path("steward/patronage/propose/", patronage.patronage_propose, name="patronage_propose"),
    path("steward/patronage/pay/", patronage.patronage_pay_now, name="patronage_pay"),
    path("operator/ledger/", views.operator_ledger, name="operator"),
]
