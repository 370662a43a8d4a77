"""The lender's money: postings from its systems, field receipts, hand-ins, exports, reports."""
