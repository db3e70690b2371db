"""assessment_run: every assessment setting, under Azure Migrate's names

Revision ID: 7c4e2a91d5f0
Revises: 5b2f0c9d7a31
Create Date: 2026-12-03 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '7c4e2a91d5f0'
down_revision = '5b2f0c9d7a31'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Runs recorded before this revision keep their region, pricing, AHB, percentile and comfort columns; their
    # other settings were the defaults of the time and are left unstated ({}).
    with op.batch_alter_table('assessment_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('settings', sa.JSON(), nullable=False, server_default='{}'))


def downgrade() -> None:
    with op.batch_alter_table('assessment_run', schema=None) as batch_op:
        batch_op.drop_column('settings')
