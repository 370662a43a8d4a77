"""What the providers' callback endpoints answer."""

from marshmallow import Schema, fields


class HookAnswerSchema(Schema):
    """Counts of what the callback changed; `code`/`msg` are what Alibaba Cloud expects."""

    code = fields.Integer(dump_default=0)
    msg = fields.String(dump_default="成功")
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


def _body(media: str, example) -> dict:
    kind = "array" if isinstance(example, list) else "object"
    return {"required": True, "content": {media: {"schema": {"type": kind},
                                                  "example": example}}}


FORM, JSON = "application/x-www-form-urlencoded", "application/json"
SIGNED = {403: "FORBIDDEN", 422: "UNPROCESSABLE_ENTITY"}
TWILIO_RECEIPT = _body(FORM, {"MessageSid": "SM0123456789abcdef0123456789abcdef",
                              "MessageStatus": "delivered", "AccountSid": "AC0123"})
TWILIO_INBOUND = _body(FORM, {"MessageSid": "SM0123456789abcdef0123456789abcdee",
                              "From": "+8613800138000", "Body": "TD"})
ALIYUN_REPORT = _body(JSON, [{"out_id": "3f0c9a528d7e4b1a9a431c2d3e4f5a6b", "success": True,
                              "err_code": "DELIVERED", "err_msg": "用户接收成功",
                              "biz_id": "932702304080415357^0",
                              "report_time": "2026-03-10 10:00:05"}])
ALIYUN_UP = _body(JSON, [{"phone_number": "13800138000", "content": "退订", "sequence_id": 1,
                          "send_time": "2026-03-10 10:01:00", "sign_name": "催收中心"}])
