from django.urls import path

from . import views

app_name = "transfers"
urlpatterns = [
    path("", views.transfer_list, name="list"),
    path("new/<int:member_pk>", views.transfer_issue, name="issue"),
    path("me/", views.my_transfers, name="me"),
    path("verify", views.verify, name="verify"),
    path("<int:pk>/", views.transfer_detail, name="detail"),
    path("<int:pk>/letter.pdf", views.letter_pdf, name="letter"),
    path("<int:pk>/accept", views.transfer_accept, name="accept"),
    path("<int:pk>/reject", views.transfer_reject, name="reject"),
    path("<int:pk>/reissue", views.transfer_reissue, name="reissue"),
    path("<int:pk>/receipt", views.transfer_receipt, name="receipt"),
]
