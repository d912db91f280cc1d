"""Customer segmentation and targeting: the domain package, usable without Streamlit.

The public front: read a file, understand its columns, turn orders into customers.

>>> from segmentation import load_sample
>>> data = load_sample()
>>> data.report.n_customers >= 5000
True
"""

from segmentation.data.dataset import (
    CustomerData,
    DataSource,
    QualityReport,
    column_table,
    customers_from_orders,
    customers_from_table,
    load_sample,
    schema_from_table,
    with_schema,
)
from segmentation.data.loading import MAX_FILE_MB, LoadedTable, load_table
from segmentation.data.orders import (
    Exclusion,
    OrderColumns,
    OrdersSummary,
    aggregate_orders,
    detect_orders,
)
from segmentation.data.schema import (
    BASES,
    KINDS,
    ROLES,
    ColumnProfile,
    Schema,
    TypedTable,
    infer_schema,
)
from segmentation.describing.comparison import (
    ComparisonConfig,
    FeatureComparison,
    Group,
    compare_features,
    crosstab,
    kpi_table,
)
from segmentation.describing.persona_report import personas_html, personas_markdown
from segmentation.describing.persona_types import Persona, PersonaConfig, PersonaSet
from segmentation.describing.personas import build_personas
from segmentation.errors import AggregationError, DataLoadError, SchemaError, SegmentationError
from segmentation.targeting.config import TargetingConfig
from segmentation.targeting.export import target_list
from segmentation.targeting.measures import segment_measures
from segmentation.targeting.plan import TargetingPlan, plan_targeting

__all__ = [
    "BASES",
    "KINDS",
    "MAX_FILE_MB",
    "ROLES",
    "AggregationError",
    "ColumnProfile",
    "ComparisonConfig",
    "CustomerData",
    "DataLoadError",
    "DataSource",
    "Exclusion",
    "FeatureComparison",
    "Group",
    "LoadedTable",
    "OrderColumns",
    "OrdersSummary",
    "Persona",
    "PersonaConfig",
    "PersonaSet",
    "QualityReport",
    "Schema",
    "SchemaError",
    "SegmentationError",
    "TargetingConfig",
    "TargetingPlan",
    "TypedTable",
    "aggregate_orders",
    "build_personas",
    "column_table",
    "compare_features",
    "crosstab",
    "customers_from_orders",
    "customers_from_table",
    "detect_orders",
    "infer_schema",
    "kpi_table",
    "load_sample",
    "load_table",
    "personas_html",
    "personas_markdown",
    "plan_targeting",
    "schema_from_table",
    "segment_measures",
    "target_list",
    "with_schema",
]
