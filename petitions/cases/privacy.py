"""Masking a petitioner's identity (信访保密, A6.1) wherever it is not needed."""

"""Masking a petitioner's identity (信访保密, A6.1) wherever it is not needed."""


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str) -> str:
    """13812340000 → 138****0000; short numbers keep only their last two digits."""
    digits = (phone or "").strip()
    if len(digits) >= 7:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    if len(digits) > 2:
        return "*" * (len(digits) - 2) + digits[-2:]
    return "*" * len(digits)


def mask_id_number(id_number: str) -> str:
    """500101199001011234 → 5001**********1234."""
    value = (id_number or "").strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_address(address: str) -> str:
    """Keep the first six characters (district and street), hide the rest."""
    value = (address or "").strip()
    if len(value) <= 6:
        return value[:2] + "*" * max(0, len(value) - 2)
    return value[:6] + "****"
