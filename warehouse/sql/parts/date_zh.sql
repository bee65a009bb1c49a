-- parts/date_zh — a date as the generated Chinese reasons write it, 2025年3月1日 (as the pages and
-- exports write dates in Chinese: warehouse/periods.py date_text); NULL stays NULL. An expression
-- over $day, included with the argument `day: <a date expression>` by the Chinese printf texts of
-- marts/14_organ_schedule.sql and marts/15_vendor_risk_evidence.sql; their English texts (the *_en
-- columns) keep ISO dates.
strftime($day, '%Y年%-m月%-d日')
