from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinfang.exchange.access import active_peers


class ExportForm(forms.Form):
    """转送/交办 a case to another deployment."""

    peer = forms.ModelChoiceField(label=_("发往系统"), queryset=active_peers(), empty_label=None)
    kind = forms.ChoiceField(
        label=_("方式"),
        choices=[("transfer", _("转送")), ("assign", _("交办（须报送办结报告）"))],
        widget=forms.RadioSelect,
        initial="transfer",
    )
    due_on = forms.DateField(
        label=_("交办期限"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("交转意见"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["peer"].queryset = active_peers()

    def clean(self):
        data = super().clean()
        if data.get("kind") == "assign":
            due = data.get("due_on")
            if due is None:
                self.add_error("due_on", _("交办须指定办理期限。"))
            elif due <= timezone.localdate():
                self.add_error("due_on", _("交办期限必须晚于今天。"))
        return data


class ImportForm(forms.Form):
    package = forms.FileField(label=_("交换数据包（.zip）"))
